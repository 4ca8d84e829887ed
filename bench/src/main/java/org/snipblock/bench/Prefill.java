package org.snipblock.bench;

import java.nio.ByteBuffer;
import java.util.Random;
import org.snipblock.block.BlockDevice;

/**
 * What a benchmark writes before it measures: one 1 MiB piece of seeded random bytes, written again
 * and again, then a flush, so every run measures against the same data.
 */
public final class Prefill {
  private static final int PIECE = 1 << 20;

  private Prefill() {}

  /** Fills the first {@code bytes} of {@code d} (a whole number of MiB). */
  public static void fill(BlockDevice d, long bytes, long seed) {
    spread(d, bytes, bytes, seed);
  }

  /**
   * Writes {@code bytes} (a whole number of MiB) spread evenly over the first {@code span} bytes of
   * {@code d}: a piece at the start of each of {@code bytes / 1 MiB} equal stretches.
   */
  public static void spread(BlockDevice d, long bytes, long span, long seed) {
    byte[] piece = new byte[PIECE];
    new Random(seed).nextBytes(piece);
    long pieces = bytes / PIECE;
    long stride = span / pieces;
    for (long i = 0; i < pieces; i++) {
      d.write(i * stride, ByteBuffer.wrap(piece), false).join();
    }
    d.flush().join();
  }
}
