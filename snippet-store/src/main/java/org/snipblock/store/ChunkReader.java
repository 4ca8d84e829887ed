package org.snipblock.store;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.block.BlockDeviceException.Kind;
import org.snipblock.store.journal.JournalBatch.Space;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads whole chunks through a view: finds, from the layers' in-memory maps, which layer holds each
 * chunk's version and where (an extent slot, or RocksDB), fetches only chunks that hold data, and
 * verifies each one's CRC32C. Adjacent slots of one extent file are read with one call. Chunks no
 * layer holds, trimmed chunks and allocated zeroes are filled without any I/O. Reads take no lock:
 * a chunk the live layer is rewriting in place at that moment fails its check, so a reader that
 * does not hold the chunk's stripe looks again once the writer lets go of it; one that holds it
 * (a writer completing a partial chunk) has met real damage.
 */
final class ChunkReader {
  private static final Logger log = LoggerFactory.getLogger(ChunkReader.class);
  static final int CHUNK = BlockCodec.CHUNK;

  private final StoreDb db;
  private final ChunkData data;
  private final Volume volume;
  private final StripeLocks locks;

  ChunkReader(StoreDb db, ChunkData data, Volume volume, StripeLocks locks) {
    this.db = db;
    this.data = data;
    this.volume = volume;
    this.locks = locks;
  }

  /** One chunk as the view sees it, for a writer that holds the chunk's stripe. */
  byte[] chunk(Layer top, long c) throws Exception {
    byte[] out = new byte[CHUNK];
    chunkInto(top, c, ByteBuffer.wrap(out), 0, false);
    return out;
  }

  /**
   * @param unlocked the caller does not hold the chunk's stripe: a failed check may be a rewrite in
   *     place under way, so it is decided again under the stripe
   */
  private void chunkInto(Layer top, long c, ByteBuffer out, int at, boolean unlocked) throws Exception {
    try {
      chunkOnce(top, c, out, at);
    } catch (BlockCodec.CorruptBlockException e) {
      if (!unlocked) {
        throw corrupt(top.find(c), c, e);
      }
      int[] stripe = locks.stripesFor(volume.id(), c, c);
      locks.acquire(stripe);
      try {
        chunkOnce(top, c, out, at);
      } catch (BlockCodec.CorruptBlockException again) {
        throw corrupt(top.find(c), c, again);
      } finally {
        locks.release(stripe);
      }
    }
  }

  private void chunkOnce(Layer top, long c, ByteBuffer out, int at) throws Exception {
    for (int attempt = 0; attempt < 2; attempt++) {
      Layer l = top.find(c);
      if (l == null || l.map.state(c) <= AllocationMap.ZERO) {
        BlockCodec.zero(out, at);
        return;
      }
      if (data.read(l, c, out, at)) {
        return;
      }
      // Moved by a snapshot delete, or trimmed, between the map look-up and the read: look again.
    }
    BlockCodec.zero(out, at);
  }

  /**
   * Whole chunks covering {@code [offset, offset+len)}, for a writer that holds their stripes; the
   * range starts at {@code offset % CHUNK}.
   */
  byte[] range(Layer top, long offset, int len) throws Exception {
    return range(top, offset, len, false);
  }

  private byte[] range(Layer top, long offset, int len, boolean unlocked) throws Exception {
    long first = offset / CHUNK;
    long last = (offset + len - 1) / CHUNK;
    byte[] out = new byte[(int) (last - first + 1) * CHUNK];
    chunksInto(top, first, last, ByteBuffer.wrap(out), 0, unlocked);
    return out;
  }

  /**
   * Exactly {@code [offset, offset+dst.remaining())} into {@code dst}, which it fills. A range of
   * whole chunks is read straight into {@code dst}; only a range with partial chunks goes through
   * {@link #range}.
   */
  void read(Layer top, long offset, ByteBuffer dst) throws Exception {
    int len = dst.remaining();
    if (offset % CHUNK != 0 || len % CHUNK != 0) {
      dst.put(range(top, offset, len, true), (int) (offset % CHUNK), len);
      return;
    }
    chunksInto(top, offset / CHUNK, (offset + len) / CHUNK - 1, dst, dst.position(), true);
    dst.position(dst.position() + len);
  }

  /** Chunks {@code first..last} into {@code out} from index {@code at} on (absolute; holes zeroed). */
  private void chunksInto(Layer top, long first, long last, ByteBuffer out, int at, boolean unlocked)
      throws Exception {
    List<byte[]> keys = new ArrayList<>();
    List<Layer> from = new ArrayList<>();
    List<Long> chunks = new ArrayList<>();
    // The extent run being gathered: chunks runFirst.. in adjacent slots of one file.
    Layer runLayer = null;
    long runFirst = 0;
    int runSlot = 0;
    int runLen = 0;
    long[] runLocs = new long[(int) (last - first + 1)];
    for (long c = first; c <= last; c++) {
      int to = at + (int) (c - first) * CHUNK;
      Layer l = top.find(c);
      if (l == null || l.map.state(c) <= AllocationMap.ZERO) {
        BlockCodec.zero(out, to);
        continue;
      }
      long loc = l.map.location(c);
      if (loc == AllocationMap.NO_LOCATION) {
        keys.add(StoreDb.key(l.id, c));
        from.add(l);
        chunks.add(c);
        continue;
      }
      int slot = AllocationMap.slotOf(loc);
      if (runLen > 0 && l.owner == runLayer.owner && c == runFirst + runLen && slot == runSlot + runLen) {
        runLocs[runLen++] = loc;
        continue;
      }
      readRun(top, runLayer, runFirst, runSlot, runLen, runLocs, out, at + (int) (runFirst - first) * CHUNK,
          unlocked);
      runLayer = l;
      runFirst = c;
      runSlot = slot;
      runLen = 1;
      runLocs[0] = loc;
    }
    readRun(top, runLayer, runFirst, runSlot, runLen, runLocs, out, at + (int) (runFirst - first) * CHUNK,
        unlocked);
    if (!keys.isEmpty()) {
      readFromDb(top, first, keys, from, chunks, out, at, unlocked);
    }
  }

  /** One read for adjacent slots, then each chunk's CRC32C; a mismatch is looked up again once. */
  private void readRun(Layer top, Layer l, long firstChunk, int slot, int n, long[] locs, ByteBuffer out,
      int at, boolean unlocked) throws Exception {
    if (n == 0) {
      return;
    }
    data.readSlots(l.owner, slot, n, out, at);
    for (int i = 0; i < n; i++) {
      int to = at + i * CHUNK;
      if (BlockCodec.extentCrc(l.owner, slot + i, out, to) != AllocationMap.crcOf(locs[i])) {
        // Moved (a merge or trim), being rewritten in place, or damaged: the single-chunk path decides.
        chunkInto(top, firstChunk + i, out, to, unlocked);
      }
    }
  }

  private void readFromDb(Layer top, long first, List<byte[]> keys, List<Layer> from, List<Long> chunks,
      ByteBuffer out, int at, boolean unlocked) throws Exception {
    // One chunk (most small reads) is a plain get: multiGet's per-call setup costs more there.
    List<byte[]> values = keys.size() == 1
        ? java.util.Collections.singletonList(db.get(Space.BLOCKS, keys.get(0)))
        : db.multiGet(Space.BLOCKS, keys);
    for (int i = 0; i < keys.size(); i++) {
      long c = chunks.get(i);
      byte[] v = values.get(i);
      int to = at + (int) (c - first) * CHUNK;
      if (v != null) {
        try {
          BlockCodec.decode(from.get(i).id, c, v, out, to);
        } catch (BlockCodec.CorruptBlockException e) {
          throw corrupt(from.get(i), c, e);
        }
      } else {
        chunkInto(top, c, out, to, unlocked);
      }
    }
  }

  private BlockDeviceException corrupt(Layer layer, long chunk, BlockCodec.CorruptBlockException e) {
    long n = volume.checksumErrors.incrementAndGet();
    String name = volume.descriptor().name();
    log.error("volume {}: stored block at byte {} ({}) failed verification ({}); refusing to return it "
        + "({} checksum errors so far)", name, chunk * CHUNK, layer, e.getMessage(), n);
    return new BlockDeviceException(Kind.MEDIUM_ERROR,
        "stored data at byte " + chunk * CHUNK + " of " + name + " failed its CRC32C");
  }
}
