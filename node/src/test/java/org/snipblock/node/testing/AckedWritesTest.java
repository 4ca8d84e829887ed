package org.snipblock.node.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** The fault schedule's oracle finds each kind of violation, and accepts what a fault may legally leave. */
class AckedWritesTest {
  private static final int BLOCKS = 4;

  /** An image of BLOCKS blocks, block b holding write ids[b] (0: zeroes). */
  private static byte[] image(long... ids) {
    ByteBuffer b = ByteBuffer.allocate(BLOCKS * NbdWriter.BLOCK).order(ByteOrder.LITTLE_ENDIAN);
    for (int block = 0; block < BLOCKS; block++) {
      for (int w = 0; w < NbdWriter.BLOCK; w += 16) {
        b.putLong(block * NbdWriter.BLOCK + w, ids[block]).putLong(block * NbdWriter.BLOCK + w + 8,
            ids[block] == 0 ? 0 : block);
      }
    }
    return b.array();
  }

  @Test
  void acceptsTheLastAcknowledgedWriteOrOneWhoseFateIsUnknown() {
    AckedWrites oracle = new AckedWrites(BLOCKS);
    oracle.answered(1, 0, 2, true);
    oracle.answered(2, 1, 2, false);
    oracle.answered(3, 0, 1, true);
    assertThat(oracle.violations(image(3, 1, 0, 0), 10)).isEmpty();
    assertThat(oracle.violations(image(3, 2, 2, 0), 10)).as("the failed write landed").isEmpty();
    assertThat(oracle.acked()).isEqualTo(2);
    assertThat(oracle.failed()).isEqualTo(1);
  }

  @Test
  void findsALostAnOlderATornAndAMisplacedBlock() {
    AckedWrites oracle = new AckedWrites(BLOCKS);
    oracle.answered(1, 0, 4, true);
    oracle.answered(2, 0, 1, true);
    assertThat(oracle.violations(image(1, 1, 1, 1), 10)).singleElement().asString()
        .contains("block 0 holds write 1").contains("an older write came back");
    assertThat(oracle.violations(image(2, 0, 1, 1), 10)).singleElement().asString()
        .contains("block 1 reads as zeroes, but write 1 was acknowledged");
    assertThat(oracle.violations(image(2, 1, 7, 1), 10)).singleElement().asString()
        .contains("never sent here");
    byte[] torn = image(2, 1, 1, 1);
    torn[NbdWriter.BLOCK * 3 + 100] ^= 1;
    assertThat(oracle.violations(torn, 10)).singleElement().asString().contains("block 3 is torn");
    byte[] misplaced = image(2, 1, 1, 1);
    System.arraycopy(misplaced, NbdWriter.BLOCK, misplaced, 2 * NbdWriter.BLOCK, NbdWriter.BLOCK);
    assertThat(oracle.violations(misplaced, 10)).singleElement().asString().contains("block 2 holds block 1");
  }

  @Test
  void asyncAllowsATailPerFailoverWithinMaxLag() {
    AckedWrites oracle = new AckedWrites(BLOCKS);
    oracle.answered(1, 0, 1, true);
    oracle.answered(2, 1, 1, true);
    oracle.answered(3, 2, 1, true);
    oracle.answered(4, 3, 1, true);
    assertThat(oracle.asyncViolations(image(1, 2, 3, 4), NbdWriter.BLOCK, 1, 10)).isEmpty();
    assertThat(oracle.asyncViolations(image(1, 2, 0, 0), NbdWriter.BLOCK, 1, 10)).as("a tail of two: max-lag plus "
        + "the write taken in at the bound").isEmpty();
    assertThat(oracle.asyncViolations(image(1, 0, 0, 0), NbdWriter.BLOCK, 1, 10)).singleElement().asString()
        .contains("writes 2..4 lost: 12288 bytes, more than max-lag 4096");
    assertThat(oracle.asyncViolations(image(1, 0, 3, 0), NbdWriter.BLOCK, 1, 10)).singleElement().asString()
        .contains("lost in 2 runs, more than the 1 failovers allow");
    assertThat(oracle.asyncViolations(image(1, 0, 3, 0), NbdWriter.BLOCK, 2, 10)).as("two failovers").isEmpty();
  }

  @Test
  void asyncOverwrittenWritesDoNotSplitALostTail() {
    AckedWrites oracle = new AckedWrites(BLOCKS);
    oracle.answered(1, 0, 1, true);
    oracle.answered(2, 1, 1, true);
    oracle.answered(3, 0, 1, true);
    oracle.answered(4, 2, 1, true);
    oracle.answered(5, 0, 1, true);
    // 2..4 lost in one failover; 5 (a later epoch) overwrote 3 on block 0, which proves nothing about 3.
    assertThat(oracle.asyncViolations(image(5, 0, 0, 0), 3 * NbdWriter.BLOCK, 1, 10)).isEmpty();
    assertThat(oracle.asyncViolations(image(5, 7, 0, 0), 3 * NbdWriter.BLOCK, 1, 10)).singleElement().asString()
        .contains("block 1 holds write 7, never sent here");
  }
}
