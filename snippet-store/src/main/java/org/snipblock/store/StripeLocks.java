package org.snipblock.store;

import java.util.concurrent.Semaphore;

/**
 * Range locks without a global lock: each 4 KiB chunk maps to one of a fixed set of stripes, and a
 * request takes the stripes of its chunks in ascending order (so no two requests deadlock). The
 * stripes are semaphores because whichever thread commits a batch to the journal (not always the one
 * that took them) releases them once it is applied, so the next writer of the same chunk reads what
 * the previous one wrote.
 */
final class StripeLocks {
  private static final int STRIPES = 4096;
  private static final int[] ALL = new int[STRIPES];

  static {
    for (int i = 0; i < STRIPES; i++) {
      ALL[i] = i;
    }
  }

  private final Semaphore[] stripes = new Semaphore[STRIPES];

  StripeLocks() {
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new Semaphore(1);
    }
  }

  /** The sorted stripes covering chunks {@code first..last} of a volume. */
  int[] stripesFor(long volumeId, long first, long last) {
    if (last - first + 1 >= STRIPES) {
      return ALL;
    }
    // Consecutive chunks take consecutive stripes, so the stripes are one run, or two when the run
    // wraps past the last stripe: computed directly (a BitSet and a stream cost every write ~1 µs).
    int n = (int) (last - first + 1);
    int start = (int) ((Long.hashCode(volumeId * 0x9E3779B97F4A7C15L) + first) & (STRIPES - 1));
    int[] out = new int[n];
    int wrapped = Math.max(0, start + n - STRIPES);
    for (int i = 0; i < wrapped; i++) {
      out[i] = i;
    }
    for (int i = wrapped; i < n; i++) {
      out[i] = start + i - wrapped;
    }
    return out;
  }

  /** Every stripe: holding them all is a barrier no change crosses. */
  int[] all() {
    return ALL;
  }

  void acquire(int[] held) {
    for (int s : held) {
      stripes[s].acquireUninterruptibly();
    }
  }

  /** Takes all of {@code wanted} if none is held by anyone else, else none; never waits. */
  boolean tryAcquire(int[] wanted) {
    for (int i = 0; i < wanted.length; i++) {
      if (!stripes[wanted[i]].tryAcquire()) {
        for (int j = i - 1; j >= 0; j--) {
          stripes[wanted[j]].release();
        }
        return false;
      }
    }
    return true;
  }

  void release(int[] held) {
    for (int i = held.length - 1; i >= 0; i--) {
      stripes[held[i]].release();
    }
  }
}
