package org.snipblock.store;

import java.nio.ByteBuffer;

/**
 * A chunk's record in {@code Space.ALLOCATION}, keyed (layer, chunk): its state (HOLE is never
 * stored; TRIMMED, ZERO or the stored length) and, for data in an extent file, which file (the
 * owning volume's id), which slot and the data's CRC32C. Four bytes (state only: data in RocksDB's
 * BLOCKS, or none) or twenty, or twenty-one when the write that made it rewrote the chunk's own
 * slot in place (see {@link ExtentCheck}: replay must know it from the record alone).
 */
record ChunkEntry(int state, long file, int slot, int crc) {
  private static final int STATE_ONLY = 4;
  private static final int WITH_EXTENT = 20;
  private static final int WITH_EXTENT_IN_PLACE = 21;

  static ChunkEntry of(int state) {
    return new ChunkEntry(state, 0, -1, 0);
  }

  boolean inExtent() {
    return slot >= 0;
  }

  byte[] encode() {
    return encode(false);
  }

  /** With {@code inPlace}: the entry of a write that rewrote the chunk's own slot. */
  byte[] encode(boolean inPlace) {
    int length = !inExtent() ? STATE_ONLY : inPlace ? WITH_EXTENT_IN_PLACE : WITH_EXTENT;
    ByteBuffer b = ByteBuffer.allocate(length).putInt(state);
    if (inExtent()) {
      b.putLong(file).putInt(slot).putInt(crc);
    }
    return b.array();
  }

  /** True if {@code value} is the entry of a write that rewrote the chunk's own slot in place. */
  static boolean writtenInPlace(byte[] value) {
    return value.length == WITH_EXTENT_IN_PLACE;
  }

  static byte[] encodeState(int state) {
    return of(state).encode();
  }

  static ChunkEntry decode(byte[] value) {
    ByteBuffer b = ByteBuffer.wrap(value);
    if (value.length == STATE_ONLY) {
      return of(b.getInt());
    }
    if (value.length != WITH_EXTENT && value.length != WITH_EXTENT_IN_PLACE) {
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
