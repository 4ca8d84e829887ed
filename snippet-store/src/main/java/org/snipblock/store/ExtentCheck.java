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
 * tail begins, exactly like a torn record. Slots named by a replayable record are never reused
 * (see {@link ExtentFiles}), so an old record still finds its own data.
 */
final class ExtentCheck implements JournalReplay.Check {
  private final ExtentFiles extents;
  private final ByteBuffer buf = ByteBuffer.allocate(BlockCodec.CHUNK);

  ExtentCheck(ExtentFiles extents) {
    this.extents = extents;
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
      if (BlockCodec.extentCrc(e.file(), e.slot(), buf, 0) != e.crc()) {
        return false;
      }
    }
    return true;
  }
}
