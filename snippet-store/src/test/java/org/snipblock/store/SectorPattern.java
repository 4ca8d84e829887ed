package org.snipblock.store;

import java.nio.ByteBuffer;

/**
 * Self-identifying test data: every 512-byte sector written with stamp S starts with S and its
 * sector number, followed by bytes derived from both, so a read tells which write it came from
 * and whether it is intact. Stamp 0 is the all-zero sector (unwritten, trimmed, zeroed).
 */
final class SectorPattern {
  static final int SECTOR = 512;

  private SectorPattern() {}

  static ByteBuffer fill(long stamp, long firstSector, int sectors) {
    ByteBuffer b = ByteBuffer.allocate(sectors * SECTOR);
    for (int i = 0; i < sectors; i++) {
      long sector = firstSector + i;
      b.putLong(stamp).putLong(sector);
      long x = stamp * 0x9E3779B97F4A7C15L ^ sector;
      // half of each sector repeats (compressible), half varies
      for (int j = 16; j < SECTOR / 2; j += 8) {
        b.putLong(x);
      }
      for (int j = SECTOR / 2; j < SECTOR; j += 8) {
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        b.putLong(x);
      }
    }
    return b.flip();
  }

  /** The stamp of an intact sector at {@code pos}, or throws if the sector is garbage. */
  static long stampOf(ByteBuffer data, int pos, long sector) {
    long stamp = data.getLong(pos);
    if (stamp == 0) {
      for (int i = 0; i < SECTOR; i++) {
        if (data.get(pos + i) != 0) {
          throw new AssertionError("sector " + sector + " has a zero stamp but is not all zeroes");
        }
      }
      return 0;
    }
    ByteBuffer want = fill(stamp, sector, 1);
    if (ByteBuffer.wrap(data.array(), pos, SECTOR).compareTo(want) != 0) {
      throw new AssertionError("sector " + sector + " is garbage (stamp " + stamp + ")");
    }
    return stamp;
  }
}
