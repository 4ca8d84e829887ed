package org.snipblock.store;

import java.nio.ByteBuffer;
import org.snipblock.store.extent.ExtentFile;
import org.snipblock.store.extent.ExtentFiles;
import org.snipblock.store.journal.JournalBatch;
import org.snipblock.store.journal.JournalBatch.Space;
import org.snipblock.store.journal.JournalReplay;

/**
 * Replay's test of a journal record that names extent slots: every slot must hold the data whose
 * CRC32C the record carries. A record can reach the disk before its data only when nothing synced
 * it (a sync forces the extent files first), so the first record that fails is where the unsynced
 * tail begins, exactly like a torn record. Fresh slots named by a replayable record are never
 * reused (see {@link ExtentFiles}), so an old record still finds its own data; nor is a slot
 * rewritten in place while a replayable record put it into its map entry (see
 * {@link org.snipblock.store.extent.ExtentFile#settled}). A record of an overwrite in place is the
 * exception: a later overwrite in place may have replaced its data, or a crash torn it; its zone is
 * open (see {@link org.snipblock.store.extent.InPlaceZones}), so the store checks that slot once
 * replay is done, and what it holds stands. The record's entry says it was written in place
 * ({@link ChunkEntry#writtenInPlace}): the state replay has built so far cannot tell, since a
 * checkpoint or RocksDB's own memtable flush may have made a later state of the chunk durable
 * (trimmed, or moved to another slot) ahead of the record. Taking such a record for a fresh write
 * into a slot whose data never reached the disk stopped replay there, and lost every durable
 * record after it.
 */
final class ExtentCheck implements JournalReplay.Check {
  private final ExtentFiles extents;
  private final StoreDb db;
  private final ByteBuffer buf = ByteBuffer.allocate(BlockCodec.CHUNK);

  /** {@code db}: the state replay has built so far, to tell an overwrite in place from a fresh slot. */
  ExtentCheck(ExtentFiles extents, StoreDb db) {
    this.extents = extents;
    this.db = db;
  }

  @Override
  public boolean intact(JournalBatch batch) throws Exception {
    for (JournalBatch.Op op : batch.ops()) {
      if (op.space() != Space.ALLOCATION || op.kind() != JournalBatch.OpKind.PUT) {
        continue;
      }
      ChunkEntry e;
      try {
        e = ChunkEntry.decode(op.value());
      } catch (IllegalArgumentException bad) {
        return false;
      }
      if (!e.inExtent()) {
        continue;
      }
      ExtentFile f = extents.existing(e.file());
      if (f == null) {
        return false;
      }
      f.read(e.slot(), buf.clear());
      if (BlockCodec.extentCrc(e.file(), e.slot(), buf, 0) != e.crc()
          && !(f.zones().isOpen(e.slot())
              && (ChunkEntry.writtenInPlace(op.value()) || rewritesInPlace(op.key(), e)))) {
        return false;
      }
    }
    return true;
  }

  /** For records written before entries said so: the chunk's entry so far names the same slot. */
  private boolean rewritesInPlace(byte[] key, ChunkEntry e) throws Exception {
    byte[] v = db.get(Space.ALLOCATION, key);
    if (v == null) {
      return false;
    }
    ChunkEntry was = ChunkEntry.decode(v);
    return was.inExtent() && was.file() == e.file() && was.slot() == e.slot();
  }
}
