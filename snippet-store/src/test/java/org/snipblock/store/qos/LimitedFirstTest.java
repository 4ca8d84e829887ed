package org.snipblock.store.qos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Limited volumes before unlimited ones on one node, against a hand-turned clock and a "store" whose
 * requests the test completes: an unlimited neighbour keeps only a few requests in flight while a
 * limited volume is busy, and all of them once it is idle; nothing waits for ever, nothing is failed.
 */
class LimitedFirstTest {
  private static final int ALLOWED = LimitedFirst.UNLIMITED_IN_FLIGHT;

  private final ManualTimer clock = new ManualTimer();
  private final LimitedFirst first = new LimitedFirst(clock);
  private final VolumeThrottle noisy = new VolumeThrottle(clock, first, new ClientLoad());
  private final VolumeThrottle quiet = new VolumeThrottle(clock, first, new ClientLoad());
  /** Requests each volume has in the store, oldest first. */
  private final List<CompletableFuture<Void>> noisyInStore = new ArrayList<>();
  private final List<CompletableFuture<Void>> quietInStore = new ArrayList<>();

  LimitedFirstTest() {
    quiet.configure(QosLimits.parse("iops-total=1000"));
  }

  private List<CompletableFuture<Void>> submit(VolumeThrottle throttle, int n) {
    List<CompletableFuture<Void>> store = throttle == noisy ? noisyInStore : quietInStore;
    List<CompletableFuture<Void>> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(throttle.then(true, 4096, () -> {
        CompletableFuture<Void> f = new CompletableFuture<>();
        store.add(f);
        return f;
      }));
    }
    return out;
  }

  /** Completes the {@code n} oldest requests of the list in the store; what that releases starts. */
  private void complete(List<CompletableFuture<Void>> store, int n) {
    for (int i = 0; i < n && !store.isEmpty(); i++) {
      store.remove(0).complete(null);
    }
    clock.advance(0);
  }

  @Test
  void withoutABusyLimitedVolumeUnlimitedRequestsAllStart() {
    submit(noisy, 64);
    assertThat(noisyInStore).hasSize(64);
    assertThat(first.yielded()).isZero();
  }

  @Test
  void anUnlimitedNeighbourKeepsOnlyAFewInFlightWhileALimitedVolumeIsBusy() {
    submit(quiet, 1);
    List<CompletableFuture<Void>> neighbour = submit(noisy, 32);
    assertThat(noisyInStore).as("the neighbour's allowance").hasSize(ALLOWED);
    assertThat(first.yielded()).isEqualTo(32 - ALLOWED);
    // Each completion lets the next waiting one start: never more than the allowance in flight.
    complete(noisyInStore, 3);
    assertThat(noisyInStore).hasSize(ALLOWED);
    // The limited volume's next request meets a short queue in the store, not the neighbour's 32.
    complete(quietInStore, 1);
    submit(quiet, 1);
    assertThat(quietInStore).hasSize(1);
    complete(noisyInStore, 64);
    complete(noisyInStore, 64);
    complete(noisyInStore, 64);
    complete(noisyInStore, 64);
    assertThat(neighbour).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
  }

  @Test
  void onceTheLimitedVolumeIsIdleEveryWaitingRequestStarts() {
    submit(quiet, 1);
    List<CompletableFuture<Void>> neighbour = submit(noisy, 32);
    complete(quietInStore, 1);
    // Just done, it is still busy: its next request is due.
    complete(noisyInStore, 1);
    assertThat(noisyInStore).hasSize(ALLOWED);
    clock.advance(LimitedFirst.BUSY_NANOS + 1);
    complete(noisyInStore, 1);
    assertThat(noisyInStore).as("all the rest, at the first completion after the limited volume fell idle")
        .hasSize(32 - 2);
    complete(noisyInStore, 64);
    assertThat(neighbour).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
    submit(noisy, 32);
    assertThat(noisyInStore).as("idle, a burst starts at once").hasSize(32);
  }

  @Test
  void aRequestThatFailsToStartFailsItsFutureAndFreesItsPlace() {
    submit(quiet, 1);
    submit(noisy, ALLOWED);
    CompletableFuture<Void> failing = noisy.then(true, 4096, () -> {
      throw new IllegalStateException("device closed");
    });
    assertThat(failing).isNotDone();
    complete(noisyInStore, 2);
    assertThat(failing).isCompletedExceptionally();
    // Two done, one failed to start: two places free.
    submit(noisy, 3);
    assertThat(noisyInStore).hasSize(ALLOWED);
    assertThat(first.yielded()).isEqualTo(2);
  }
}
