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
 * layer holds, trimmed chunks and allocated zeroes are filled without any I/O.
 */
final class ChunkReader {
  private static final Logger log = LoggerFactory.getLogger(ChunkReader.class);
  static final int CHUNK = BlockCodec.CHUNK;

  private final StoreDb db;
  private final ChunkData data;
  private final Volume volume;

  ChunkReader(StoreDb db, ChunkData data, Volume volume) {
    this.db = db;
    this.data = data;
    this.volume = volume;
  }

  /** One chunk as the view sees it. */
  byte[] chunk(Layer top, long c) throws Exception {
    byte[] out = new byte[CHUNK];
    chunkInto(top, c, ByteBuffer.wrap(out), 0);
    return out;
  }

  private void chunkInto(Layer top, long c, ByteBuffer out, int at) throws Exception {
    for (int attempt = 0; attempt < 2; attempt++) {
      Layer l = top.find(c);
      if (l == null || l.map.state(c) <= AllocationMap.ZERO) {
        BlockCodec.zero(out, at);
        return;
      }
      try {
        if (data.read(l, c, out, at)) {
          return;
        }
      } catch (BlockCodec.CorruptBlockException e) {
        throw corrupt(l, c, e);
      }
      // Moved by a snapshot delete, or trimmed, between the map look-up and the read: look again.
    }
    BlockCodec.zero(out, at);
  }

  /** Whole chunks covering {@code [offset, offset+len)}; the range starts at {@code offset % CHUNK}. */
  byte[] range(Layer top, long offset, int len) throws Exception {
    long first = offset / CHUNK;
    long last = (offset + len - 1) / CHUNK;
    byte[] out = new byte[(int) (last - first + 1) * CHUNK];
    chunksInto(top, first, last, ByteBuffer.wrap(out), 0);
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
      dst.put(range(top, offset, len), (int) (offset % CHUNK), len);
      return;
    }
    chunksInto(top, offset / CHUNK, (offset + len) / CHUNK - 1, dst, dst.position());
    dst.position(dst.position() + len);
  }

  /** Chunks {@code first..last} into {@code out} from index {@code at} on (absolute; holes zeroed). */
  private void chunksInto(Layer top, long first, long last, ByteBuffer out, int at) throws Exception {
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
      readRun(top, runLayer, runFirst, runSlot, runLen, runLocs, out, at + (int) (runFirst - first) * CHUNK);
      runLayer = l;
      runFirst = c;
      runSlot = slot;
      runLen = 1;
      runLocs[0] = loc;
    }
    readRun(top, runLayer, runFirst, runSlot, runLen, runLocs, out, at + (int) (runFirst - first) * CHUNK);
    if (!keys.isEmpty()) {
      readFromDb(top, first, keys, from, chunks, out, at);
    }
  }

  /** One read for adjacent slots, then each chunk's CRC32C; a mismatch is looked up again once. */
  private void readRun(Layer top, Layer l, long firstChunk, int slot, int n, long[] locs, ByteBuffer out,
      int at) throws Exception {
    if (n == 0) {
      return;
    }
    data.readSlots(l.owner, slot, n, out, at);
    for (int i = 0; i < n; i++) {
      int to = at + i * CHUNK;
      if (BlockCodec.extentCrc(l.owner, slot + i, out, to) != AllocationMap.crcOf(locs[i])) {
        // Rewritten (a merge or trim moved it) since the look-up, or damaged: the single-chunk path decides.
        chunkInto(top, firstChunk + i, out, to);
      }
    }
  }

  private void readFromDb(Layer top, long first, List<byte[]> keys, List<Layer> from, List<Long> chunks,
      ByteBuffer out, int at) throws Exception {
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
        chunkInto(top, c, out, to);
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
