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
 * chunk's version, fetches only chunks that hold data, and verifies each one's CRC32C. Chunks no
 * layer holds, trimmed chunks and allocated zeroes are filled without touching RocksDB.
 */
final class ChunkReader {
  private static final Logger log = LoggerFactory.getLogger(ChunkReader.class);
  static final int CHUNK = BlockCodec.CHUNK;

  private final StoreDb db;
  private final Volume volume;

  ChunkReader(StoreDb db, Volume volume) {
    this.db = db;
    this.volume = volume;
  }

  /** One chunk as the view sees it. */
  byte[] chunk(Layer top, long c) throws Exception {
    byte[] out = new byte[CHUNK];
    for (int attempt = 0; attempt < 2; attempt++) {
      Layer l = top.find(c);
      if (l == null || l.map.state(c) <= AllocationMap.ZERO) {
        return out;
      }
      byte[] v = db.get(Space.BLOCKS, StoreDb.key(l.id, c));
      if (v != null) {
        decode(l, c, v, out, 0);
        return out;
      }
      // Moved by a snapshot delete, or trimmed, between the map look-up and the read: look again.
    }
    return out;
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
   * whole chunks is decoded straight into {@code dst} (one copy from RocksDB's value); only a
   * range with partial chunks goes through {@link #range}.
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
    int n = (int) (last - first + 1);
    List<byte[]> keys = new ArrayList<>(n);
    List<Layer> from = new ArrayList<>(n);
    List<Long> chunks = new ArrayList<>(n);
    for (long c = first; c <= last; c++) {
      Layer l = top.find(c);
      if (l != null && l.map.state(c) > AllocationMap.ZERO) {
        keys.add(StoreDb.key(l.id, c));
        from.add(l);
        chunks.add(c);
      } else {
        BlockCodec.zero(out, at + (int) (c - first) * CHUNK);
      }
    }
    if (keys.isEmpty()) {
      return;
    }
    // One chunk (most small reads) is a plain get: multiGet's per-call setup costs more there.
    List<byte[]> values = keys.size() == 1
        ? java.util.Collections.singletonList(db.get(Space.BLOCKS, keys.get(0)))
        : db.multiGet(Space.BLOCKS, keys);
    for (int i = 0; i < keys.size(); i++) {
      long c = chunks.get(i);
      byte[] v = values.get(i);
      int to = at + (int) (c - first) * CHUNK;
      if (v != null) {
        decode(from.get(i), c, v, out, to);
      } else {
        out.put(to, chunk(top, c), 0, CHUNK);
      }
    }
  }

  private void decode(Layer layer, long chunk, byte[] value, byte[] out, int off) {
    decode(layer, chunk, value, ByteBuffer.wrap(out), off);
  }

  private void decode(Layer layer, long chunk, byte[] value, ByteBuffer out, int at) {
    try {
      BlockCodec.decode(layer.id, chunk, value, out, at);
    } catch (BlockCodec.CorruptBlockException e) {
      long n = volume.checksumErrors.incrementAndGet();
      String name = volume.descriptor().name();
      log.error("volume {}: stored block at byte {} ({}) failed verification ({}); refusing to return it "
          + "({} checksum errors so far)", name, chunk * CHUNK, layer, e.getMessage(), n);
      throw new BlockDeviceException(Kind.MEDIUM_ERROR,
          "stored data at byte " + chunk * CHUNK + " of " + name + " failed its CRC32C");
    }
  }
}
