package org.snipblock.store;

import java.nio.ByteBuffer;
import java.util.List;
import org.snipblock.store.journal.JournalBatch;
import org.snipblock.store.journal.JournalBatch.Space;

/**
 * Damages a store's data behind its back, as a failing disk would: flips one payload bit of the
 * stored chunk holding a byte offset of a volume, straight in its extent file (or, for a
 * compressed volume, in the store's database); the store must then refuse that chunk.
 */
public final class StoreCorruption {
  private StoreCorruption() {}

  public static void flipBit(SnippetStore store, String volume, long offset) throws Exception {
    flipBit(store, volume, null, offset);
  }

  /**
   * As {@link #flipBit(SnippetStore, String, long)}, in the chunk that snapshot {@code snapshot} reads
   * (null: the volume now), which may be one no newer view reads any more.
   */
  public static void flipBit(SnippetStore store, String volume, String snapshot, long offset) throws Exception {
    long chunk = offset / BlockCodec.CHUNK;
    Volume v = store.volumes().get(volume);
    Layer top = snapshot == null ? v.live() : store.catalog().ownLayers(v).stream()
        .filter(l -> snapshot.equals(l.snapshot())).findFirst()
        .orElseThrow(() -> new IllegalStateException("no snapshot " + volume + "@" + snapshot));
    Layer l = top.find(chunk);
    if (l == null || l.map.state(chunk) <= AllocationMap.ZERO) {
      throw new IllegalStateException("no stored chunk at " + offset + " of volume " + volume);
    }
    long loc = l.map.location(chunk);
    if (loc != AllocationMap.NO_LOCATION) {
      int slot = AllocationMap.slotOf(loc);
      ByteBuffer b = ByteBuffer.allocate(BlockCodec.CHUNK);
      store.chunkData().extents().file(l.owner).read(slot, b);
      b.put(BlockCodec.CHUNK - 1, (byte) (b.get(BlockCodec.CHUNK - 1) ^ 0x10)).clear();
      store.chunkData().extents().file(l.owner).write(slot, b);
      return;
    }
    byte[] key = StoreDb.key(l.id, chunk);
    byte[] value = store.db().get(Space.BLOCKS, key);
    value[value.length - 1] ^= 0x10;
    store.db().apply(List.of(new JournalBatch().put(Space.BLOCKS, key, value)));
  }
}
