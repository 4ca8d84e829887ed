package org.snipblock.store;

import java.util.List;
import org.snipblock.store.journal.JournalBatch;
import org.snipblock.store.journal.JournalBatch.Space;

/**
 * Damages a store's data behind its back, as a failing disk would: flips one payload bit of the
 * stored chunk holding a byte offset of a volume, straight in the store's database (the store must
 * then refuse that chunk).
 */
public final class StoreCorruption {
  private StoreCorruption() {}

  public static void flipBit(SnippetStore store, String volume, long offset) throws Exception {
    long id = store.show(volume).orElseThrow().id();
    byte[] key = StoreDb.key(id, offset / BlockCodec.CHUNK);
    byte[] value = store.db().get(Space.BLOCKS, key);
    if (value == null) {
      throw new IllegalStateException("no stored chunk at " + offset + " of volume " + volume);
    }
    value[value.length - 1] ^= 0x10;
    store.db().apply(List.of(new JournalBatch().put(Space.BLOCKS, key, value)));
  }
}
