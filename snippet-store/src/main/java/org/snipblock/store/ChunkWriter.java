package org.snipblock.store;

import java.util.List;
import org.snipblock.store.journal.JournalBatch;
import org.snipblock.store.journal.JournalBatch.Space;

/**
 * Builds the journal batch of one change to a volume's live layer, under the change's stripe
 * locks: sealed chunks for written data (a partial chunk is read through the layers and completed),
 * deletions and tombstones for trims, allocated zeroes for write-zeroes; and, once the journal has
 * applied the batch, the same changes to the live layer's allocation map.
 */
final class ChunkWriter {
  private static final int CHUNK = BlockCodec.CHUNK;
  private static final long COMPACT_AFTER_CHUNKS = 256;

  private final SnippetStore store;
  private final Volume volume;
  private final ChunkReader reader;

  ChunkWriter(SnippetStore store, Volume volume, ChunkReader reader) {
    this.store = store;
    this.volume = volume;
    this.reader = reader;
  }

  /** Change records are {chunk, newState} or {first, end, CLEAR}. */
  private static final long CLEAR = Long.MIN_VALUE;

  /** Runs once the journal has applied the batch, still under the stripes: no snapshot in between. */
  void applyChanges(List<long[]> changes) {
    AllocationMap live = volume.live().map;
    for (long[] c : changes) {
      if (c.length == 3) {
        live.clear(c[0], c[1]);
      } else {
        live.set(c[0], (int) c[1]);
      }
    }
  }

  long spaceDelta(List<long[]> changes) {
    AllocationMap live = volume.live().map;
    long delta = 0;
    for (long[] c : changes) {
      if (c.length == 2) {
        delta += Math.max(0, c[1]) - Math.max(0, live.state(c[0]));
      }
    }
    return delta;
  }

  void putData(long offset, byte[] data, JournalBatch batch, List<long[]> changes) throws Exception {
    long id = volume.live().id;
    boolean compress = volume.descriptor().compression();
    long end = offset + data.length;
    for (long c = offset / CHUNK; c * CHUNK < end; c++) {
      long cs = c * CHUNK;
      long from = Math.max(offset, cs);
      long to = Math.min(end, cs + CHUNK);
      byte[] value;
      if (from == cs && to == cs + CHUNK) {
        value = BlockCodec.encode(id, c, data, (int) (cs - offset), compress);
      } else {
        // A partial chunk copies up only this chunk from wherever the view finds it.
        byte[] chunk = reader.chunk(volume.live(), c);
        System.arraycopy(data, (int) (from - offset), chunk, (int) (from - cs), (int) (to - from));
        value = BlockCodec.encode(id, c, chunk, 0, compress);
      }
      put(batch, changes, c, value);
    }
  }

  void zero(long offset, long length, boolean unmap, JournalBatch batch, List<long[]> changes)
      throws Exception {
    Layer live = volume.live();
    long id = live.id;
    long end = offset + length;
    long fullStart = (offset + CHUNK - 1) / CHUNK;
    long fullEnd = end / CHUNK;
    if (fullStart >= fullEnd) {
      for (long c = offset / CHUNK; c * CHUNK < end; c++) {
        zeroPart(c, offset, end, unmap, batch, changes);
      }
      return;
    }
    if (offset % CHUNK != 0) {
      zeroPart(offset / CHUNK, offset, end, unmap, batch, changes);
    }
    if (end % CHUNK != 0) {
      zeroPart(end / CHUNK, offset, end, unmap, batch, changes);
    }
    if (unmap) {
      batch.deleteRange(Space.BLOCKS, StoreDb.key(id, fullStart), StoreDb.key(id, fullEnd));
      batch.deleteRange(Space.ALLOCATION, StoreDb.key(id, fullStart), StoreDb.key(id, fullEnd));
      changes.add(new long[] {fullStart, fullEnd, CLEAR});
      if (!live.alone()) {
        // What a snapshot or parent below still holds must not show through: tombstones hide it.
        LayerReads.forEachVisible(live.parent(), fullStart, fullEnd, (c, state) -> {
          if (state >= 0) {
            batch.put(Space.ALLOCATION, StoreDb.key(id, c), AllocationMap.encodeState(AllocationMap.TRIMMED));
            changes.add(new long[] {c, AllocationMap.TRIMMED});
          }
        });
      }
      if (fullEnd - fullStart >= COMPACT_AFTER_CHUNKS) {
        store.compactLater(Space.BLOCKS, StoreDb.key(id, fullStart), StoreDb.key(id, fullEnd));
      }
    } else {
      for (long c = fullStart; c < fullEnd; c++) {
        put(batch, changes, c, BlockCodec.zeroes(id, c));
      }
    }
  }

  private void zeroPart(long c, long offset, long end, boolean unmap, JournalBatch batch,
      List<long[]> changes) throws Exception {
    Layer live = volume.live();
    if (unmap && live.resolvedState(c) < 0) {
      return;
    }
    long cs = c * CHUNK;
    byte[] chunk = reader.chunk(live, c);
    int from = (int) (Math.max(offset, cs) - cs);
    int to = (int) (Math.min(end, cs + CHUNK) - cs);
    java.util.Arrays.fill(chunk, from, to, (byte) 0);
    put(batch, changes, c, BlockCodec.encode(live.id, c, chunk, 0, volume.descriptor().compression()));
  }

  private void put(JournalBatch batch, List<long[]> changes, long chunk, byte[] value) {
    byte[] key = StoreDb.key(volume.live().id, chunk);
    int state = BlockCodec.isZero(value) ? AllocationMap.ZERO : value.length;
    batch.put(Space.BLOCKS, key, value);
    batch.put(Space.ALLOCATION, key, AllocationMap.encodeState(state));
    changes.add(new long[] {chunk, state});
  }
}
