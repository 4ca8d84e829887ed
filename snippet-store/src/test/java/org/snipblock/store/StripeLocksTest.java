package org.snipblock.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.BitSet;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The stripes of a chunk range are computed as one or two runs rather than collected in a set:
 * they must still be exactly the distinct stripes of the range's chunks, ascending (the order every
 * request takes them in, so that no two deadlock).
 */
class StripeLocksTest {
  private static final int STRIPES = 4096;

  /** What the stripes are by definition: each chunk's stripe, collected and sorted. */
  private static int[] byDefinition(long volumeId, long first, long last) {
    long base = Long.hashCode(volumeId * 0x9E3779B97F4A7C15L);
    BitSet bits = new BitSet(STRIPES);
    for (long c = first; c <= last; c++) {
      bits.set((int) ((base + c) & (STRIPES - 1)));
    }
    return bits.stream().toArray();
  }

  @Test
  void everyRangeGetsTheDistinctStripesOfItsChunksInAscendingOrder() {
    StripeLocks locks = new StripeLocks();
    SplittableRandom random = new SplittableRandom(10);
    for (int i = 0; i < 2_000; i++) {
      long volume = random.nextLong();
      long first = random.nextLong(0, 1L << 40);
      int n = i % 20 == 0 ? random.nextInt(STRIPES - 64, STRIPES + 64) : random.nextInt(1, 300);
      long last = first + n - 1;
      assertThat(locks.stripesFor(volume, first, last))
          .as("volume %d, chunks %d..%d", volume, first, last)
          .containsExactly(byDefinition(volume, first, last));
    }
  }

  @Test
  void aRangeThatWrapsPastTheLastStripeStartsFromStripeZero() {
    StripeLocks locks = new StripeLocks();
    long volume = 7;
    int start = (int) (Long.hashCode(volume * 0x9E3779B97F4A7C15L) & (STRIPES - 1));
    long toLast = STRIPES - 1 - start;
    // The last stripe's chunk, then three more: stripes 0, 1, 2 and the last one.
    assertThat(locks.stripesFor(volume, toLast, toLast + 3)).containsExactly(0, 1, 2, STRIPES - 1);
    assertThat(locks.stripesFor(volume, toLast, toLast)).containsExactly(STRIPES - 1);
    assertThat(locks.stripesFor(volume, toLast + 1, toLast + 1)).containsExactly(0);
  }

  @Test
  void aRangeOfAtLeastEveryStripeTakesThemAll() {
    StripeLocks locks = new StripeLocks();
    assertThat(locks.stripesFor(3, 100, 100 + STRIPES - 1)).isSameAs(locks.all());
    assertThat(locks.stripesFor(3, 0, 10 * STRIPES)).isSameAs(locks.all());
    assertThat(locks.stripesFor(3, 5, 5 + STRIPES - 2)).hasSize(STRIPES - 1).isSorted();
  }
}
