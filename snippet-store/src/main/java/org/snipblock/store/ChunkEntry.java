package org.snipblock.store;

import java.nio.ByteBuffer;

/**
 * A chunk's record in {@code Space.ALLOCATION}, keyed (layer, chunk): its state (HOLE is never
 * stored; TRIMMED, ZERO or the stored length) and, for data in an extent file, which file (the
 * owning volume's id), which slot and the data's CRC32C. Four bytes (state only: data in RocksDB's
 * BLOCKS, or none) or twenty.
 */
record ChunkEntry(int state, long file, int slot, int crc) {
  private static final int STATE_ONLY = 4;
  private static final int WITH_EXTENT = 20;

  static ChunkEntry of(int state) {
    return new ChunkEntry(state, 0, -1, 0);
  }

  boolean inExtent() {
    return slot >= 0;
  }

  byte[] encode() {
    ByteBuffer b = ByteBuffer.allocate(inExtent() ? WITH_EXTENT : STATE_ONLY).putInt(state);
    if (inExtent()) {
      b.putLong(file).putInt(slot).putInt(crc);
    }
    return b.array();
  }

  static byte[] encodeState(int state) {
    return of(state).encode();
  }

  static ChunkEntry decode(byte[] value) {
    ByteBuffer b = ByteBuffer.wrap(value);
    if (value.length == STATE_ONLY) {
      return of(b.getInt());
    }
    if (value.length != WITH_EXTENT) {
      throw new IllegalArgumentException("allocation record of " + value.length + " bytes");
    }
    ChunkEntry e = new ChunkEntry(b.getInt(), b.getLong(), b.getInt(), b.getInt());
    if (e.slot < 0) {
      throw new IllegalArgumentException("allocation record with slot " + e.slot);
    }
    return e;
  }

  /** Puts this entry into a layer's map; returns the slot the chunk gave up there, or -1. */
  int applyTo(AllocationMap map, long chunk) {
    return map.set(chunk, state, slot, crc);
  }
}
