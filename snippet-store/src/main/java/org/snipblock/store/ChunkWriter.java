package org.snipblock.store;

import java.util.List;
import org.snipblock.store.journal.JournalBatch;
import org.snipblock.store.journal.JournalBatch.Space;

/**
 * Builds the journal batch of one change to a volume's live layer (or, for a replica's alignment,
 * to one of its snapshots' own layers), under the change's stripe
 * locks: new chunk versions for written data (a partial chunk is read through the layers and
 * completed; data goes to the extent file here, before the batch exists), deletions and tombstones
 * for trims, allocated zeroes for write-zeroes; and, once the journal has applied the batch, the
 * same changes to the live layer's allocation map.
 */
final class ChunkWriter {
  private static final int CHUNK = BlockCodec.CHUNK;
  private static final long COMPACT_AFTER_CHUNKS = 256;

  private final SnippetStore store;
  private final Volume volume;
  private final ChunkReader reader;
  private final ChunkData data;
  /** The layer written; null for the volume's live layer as it is at each change. */
  private final Layer fixed;

  /** {@code fixed}: a snapshot's own layer to write into (see {@link SnapshotManager#fillSnapshot}), or null. */
  ChunkWriter(SnippetStore store, Volume volume, ChunkReader reader, Layer fixed) {
    this.store = store;
    this.volume = volume;
    this.reader = reader;
    this.data = store.chunkData();
    this.fixed = fixed;
  }

  private Layer target() {
    return fixed != null ? fixed : volume.live();
  }

  /** Only the live layer's own slots are rewritten in place: a snapshot's layer is read by its clones. */
  private boolean inPlace() {
    return fixed == null;
  }

  /** Change records are {chunk, newState}, {chunk, newState, slot, crc} or {first, end, CLEAR}. */
  private static final long CLEAR = Long.MIN_VALUE;

  /** Runs once the journal has applied the batch, still under the stripes: no snapshot in between. */
  void applyChanges(List<long[]> changes) {
    data.apply(target(), changes);
  }

  /** The batch will never be applied: the slots it names are given up. */
  void abandon(List<long[]> changes) {
    data.abandon(target().owner, changes);
  }

  long spaceDelta(List<long[]> changes) {
    AllocationMap map = target().map;
    long delta = 0;
    for (long[] c : changes) {
      if (c.length != 3) {
        delta += Math.max(0, c[1]) - Math.max(0, map.state(c[0]));
      }
    }
    return delta;
  }

  void putData(long offset, byte[] bytes, JournalBatch batch, List<long[]> changes) throws Exception {
    putData(offset, java.nio.ByteBuffer.wrap(bytes), batch, changes);
  }

  /** {@code bytes}: the data at indexes 0 to its limit, read (never copied whole) before this returns. */
  void putData(long offset, java.nio.ByteBuffer bytes, JournalBatch batch, List<long[]> changes)
      throws Exception {
    Layer live = target();
    boolean compress = volume.descriptor().compression();
    long end = offset + bytes.limit();
    long c = offset / CHUNK;
    if (offset % CHUNK != 0) {
      putPartial(live, c++, offset, bytes, compress, batch, changes);
    }
    long whole = (end - c * CHUNK) / CHUNK;
    if (whole > 0) {
      data.store(live, c, bytes, (int) (c * CHUNK - offset), (int) whole, compress, inPlace(), batch, changes);
      c += whole;
    }
    if (c * CHUNK < end) {
      putPartial(live, c, offset, bytes, compress, batch, changes);
    }
  }

  /** A partial chunk copies up only this chunk from wherever the view finds it. */
  private void putPartial(Layer live, long c, long offset, java.nio.ByteBuffer bytes, boolean compress,
      JournalBatch batch, List<long[]> changes) throws Exception {
    long cs = c * CHUNK;
    long from = Math.max(offset, cs);
    long to = Math.min(offset + bytes.limit(), cs + CHUNK);
    byte[] chunk = reader.chunk(live, c);
    bytes.get((int) (from - offset), chunk, (int) (from - cs), (int) (to - from));
    data.store(live, c, chunk, 0, 1, compress, inPlace(), batch, changes);
  }

  void zero(long offset, long length, boolean unmap, JournalBatch batch, List<long[]> changes)
      throws Exception {
    Layer live = target();
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
            batch.put(Space.ALLOCATION, StoreDb.key(id, c), ChunkEntry.encodeState(AllocationMap.TRIMMED));
            changes.add(new long[] {c, AllocationMap.TRIMMED});
          }
        });
      }
      if (fullEnd - fullStart >= COMPACT_AFTER_CHUNKS) {
        store.compactLater(Space.BLOCKS, StoreDb.key(id, fullStart), StoreDb.key(id, fullEnd));
      }
    } else {
      boolean compress = volume.descriptor().compression();
      for (long c = fullStart; c < fullEnd; c++) {
        data.storeZeroes(live, c, compress, batch, changes);
      }
    }
  }

  private void zeroPart(long c, long offset, long end, boolean unmap, JournalBatch batch,
      List<long[]> changes) throws Exception {
    Layer live = target();
    if (unmap && live.resolvedState(c) < 0) {
      return;
    }
    long cs = c * CHUNK;
    byte[] chunk = reader.chunk(live, c);
    int from = (int) (Math.max(offset, cs) - cs);
    int to = (int) (Math.min(end, cs + CHUNK) - cs);
    java.util.Arrays.fill(chunk, from, to, (byte) 0);
    data.store(live, c, chunk, 0, 1, volume.descriptor().compression(), inPlace(), batch, changes);
  }
}
