package org.snipblock.cluster.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class HandoverGateTest {

  @Test
  void closingWaitsForTheRunningChangesAndHoldsNewOnesUntilOpened() {
    HandoverGate gate = new HandoverGate();
    assertThat(gate.enter()).as("admitted while open").isNull();
    assertThat(gate.enter()).isNull();
    CompletableFuture<Void> drained = gate.close();
    CompletableFuture<Void> held = gate.enter();
    assertThat(held).as("held while closed").isNotNull();
    gate.leave();
    assertThat(drained).as("one change still runs").isNotDone();
    gate.leave();
    assertThat(drained).isDone();
    assertThat(held).isNotDone();
    assertThatThrownBy(gate::close).hasMessage("a handover of this volume is already under way");
    gate.open();
    assertThat(held).isDone();
    assertThat(gate.enter()).as("admitted again").isNull();
  }

  @Test
  void closingAnIdleGateIsDrainedAtOnce() {
    assertThat(new HandoverGate().close()).isDone();
  }
}
