package org.snipblock.store.journal;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * Where journal segments live. The store uses {@link FileJournalIo}; a power-loss test substitutes
 * one that forgets every byte not yet synced, which is why the journal touches files only here.
 * Segments are named by the sequence number of their first record.
 */
public interface JournalIo {

  /** Opens the journal directory; lets a test put its own file layer under the store. */
  @FunctionalInterface
  interface Factory {
    JournalIo open(java.nio.file.Path dir) throws IOException;
  }

  /** First sequence numbers of the existing segments, ascending. */
  List<Long> segments() throws IOException;

  /** Creates an empty segment durably (its directory entry survives a crash once this returns). */
  SegmentWriter create(long firstSeq) throws IOException;

  InputStream read(long firstSeq) throws IOException;

  /** Deletes segments durably. */
  void delete(List<Long> firstSeqs) throws IOException;

  /** An append-only segment open for writing. */
  interface SegmentWriter extends AutoCloseable {
    void append(java.nio.ByteBuffer data) throws IOException;

    /** Makes every appended byte durable. */
    void sync() throws IOException;

    long size();

    /** Cuts the segment back to {@code size} bytes, dropping a partly written tail. */
    void truncate(long size) throws IOException;

    @Override
    void close() throws IOException;
  }
}
