package org.snipblock.cluster.replica;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SequenceReservationTest {
  @TempDir Path dir;

  @Test
  void aPrimaryRestartedAtTheSameEpochContinuesAfterWhatItHandedOut() throws Exception {
    try (DurableProgress p = new DurableProgress(dir)) {
      long before = new SequenceReservation(p, "vm1", 7, 3).start();
      assertThat(new SequenceReservation(p, "vm1", 7, 3).start()).isGreaterThan(before);
      assertThat(new SequenceReservation(p, "vm1", 7, 4).start()).as("a new epoch counts from 0").isZero();
    }
  }

  /**
   * A node restarted as primary may first act on older metadata (epoch 1) before it catches up
   * (epoch 3): the device made for epoch 1 must not take the place of epoch 3's reservation.
   */
  @Test
  void aDeviceOfAnOlderEpochLeavesTheNewerReservationAlone() throws Exception {
    try (DurableProgress p = new DurableProgress(dir)) {
      SequenceReservation first = new SequenceReservation(p, "vm1", 7, 3);
      first.reached(5);
      new SequenceReservation(p, "vm1", 7, 1).reached(1);
      assertThat(p.load("vm1", 7).orElseThrow().epoch()).isEqualTo(3);
      assertThat(new SequenceReservation(p, "vm1", 7, 3).start())
          .as("epoch 3 continues past what it reserved before the restart").isGreaterThan(first.start());
    }
  }
}
