package org.snipblock.store;

import java.nio.file.Path;
import java.util.List;
import org.snipblock.store.journal.JournalBatch;
import org.snipblock.store.journal.JournalBatch.Space;

/**
 * Damages a closed store's data behind its back, as a failing disk would: flips one payload bit
 * of the stored chunk holding a byte offset of a volume (the store must then refuse that chunk).
 */
public final class StoreCorruption {
  private StoreCorruption() {}

  /** @param storeDir the directory the store was opened on; it must be closed now */
  public static void flipBit(Path storeDir, long volumeId, long offset) throws Exception {
    try (StoreDb db = new StoreDb(storeDir.resolve("db"), 1 << 20)) {
      byte[] key = StoreDb.key(volumeId, offset / BlockCodec.CHUNK);
      byte[] value = db.get(Space.BLOCKS, key);
      if (value == null) {
        throw new IllegalStateException("no stored chunk at " + offset + " of volume " + volumeId);
      }
      value[value.length - 1] ^= 0x10;
      db.apply(List.of(new JournalBatch().put(Space.BLOCKS, key, value)));
      db.checkpoint();
    }
  }
}
