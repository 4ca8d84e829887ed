package org.snipblock.store.extent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * Where extent files live. The store uses {@link FileExtentIo}; a power-loss test substitutes one
 * that forgets (or tears) every write not yet synced, which is why extent data touches files only
 * here.
 */
public interface ExtentIo {

  /** Opens the extent directory; lets a test put its own file layer under the store. */
  @FunctionalInterface
  interface Factory {
    ExtentIo open(Path dir) throws IOException;
  }

  /** Names of the files that exist. */
  List<String> list() throws IOException;

  /** Opens a file, creating it (durably: its directory entry survives a crash) if it is missing. */
  Channel open(String name) throws IOException;

  /** Deletes a file durably; a missing file is not an error. */
  void delete(String name) throws IOException;

  /** One open extent file. Positional calls only: many threads use it at once. */
  interface Channel extends AutoCloseable {
    /** Writes all of {@code src} at {@code position}. */
    void write(ByteBuffer src, long position) throws IOException;

    /** Fills {@code dst} from {@code position}; past the end of the file it reads zeroes. */
    void read(ByteBuffer dst, long position) throws IOException;

    /** Makes every write so far durable (fdatasync). */
    void sync() throws IOException;

    /** Gives {@code [position, position+length)} back to the file system; it reads as zeroes after. */
    void punch(long position, long length) throws IOException;

    /** Cuts the file to {@code size} bytes. */
    void truncate(long size) throws IOException;

    long size() throws IOException;

    @Override
    void close() throws IOException;
  }
}
