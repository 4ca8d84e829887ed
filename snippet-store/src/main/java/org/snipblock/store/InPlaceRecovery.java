package org.snipblock.store;

import java.nio.ByteBuffer;
import java.util.Set;
import org.rocksdb.RocksIterator;
import org.snipblock.store.extent.ExtentFile;
import org.snipblock.store.extent.ExtentFiles;
import org.snipblock.store.journal.JournalBatch;
import org.snipblock.store.journal.JournalBatch.Space;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At open, after replay: every chunk kept in a zone that was open for overwrites in place when the
 * store stopped (see {@link org.snipblock.store.extent.InPlaceZones}) is read, and where its slot no
 * longer matches the CRC32C on record, what the slot holds is taken as the chunk's content: an
 * overwrite that was never flushed may show as the old data, the new, or sectors of both, as on a
 * disk, and the record of it may have been lost with the journal's unsynced tail. Then every zone
 * closes.
 */
final class InPlaceRecovery {
  private static final Logger log = LoggerFactory.getLogger(InPlaceRecovery.class);

  private final SnippetStore store;

  InPlaceRecovery(SnippetStore store) {
    this.store = store;
  }

  void run() throws Exception {
    ExtentFiles extents = store.chunkData().extents();
    Set<Long> owners = extents.ownersWithOpenZones();
    if (owners.isEmpty()) {
      return;
    }
    JournalBatch fixes = new JournalBatch();
    long checked = 0;
    ByteBuffer buf = ByteBuffer.allocate(BlockCodec.CHUNK);
    try (RocksIterator it = store.db().iterator(Space.ALLOCATION)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        ChunkEntry e;
        try {
          e = ChunkEntry.decode(it.value());
        } catch (IllegalArgumentException bad) {
          continue;
        }
        if (!e.inExtent() || !owners.contains(e.file())) {
          continue;
        }
        ExtentFile f = extents.existing(e.file());
        if (f == null || !f.zones().isOpen(e.slot())) {
          continue;
        }
        checked++;
        f.read(e.slot(), buf.clear());
        int crc = BlockCodec.extentCrc(e.file(), e.slot(), buf, 0);
        if (crc != e.crc()) {
          fixes.put(Space.ALLOCATION, it.key(), new ChunkEntry(e.state(), e.file(), e.slot(), crc).encode());
        }
      }
    }
    if (!fixes.ops().isEmpty()) {
      store.commit(fixes);
    }
    extents.closeAllZones();
    log.info("checked {} chunks of {} volume(s) that were being overwritten in place when the store "
        + "stopped: {} held an unflushed overwrite (whole or in part) and keep it", checked, owners.size(),
        fixes.ops().size());
  }
}
