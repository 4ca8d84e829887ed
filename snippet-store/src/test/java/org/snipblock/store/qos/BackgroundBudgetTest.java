package org.snipblock.store.qos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The background budget against a hand-turned clock: its rate follows the clients, between the floor and the max. */
class BackgroundBudgetTest {
  private static final long MAX = 100L << 20;
  private static final long FLOOR = MAX / 10;
  private static final int PIECE = 512 << 10;

  private final ManualTimer clock = new ManualTimer();
  private final ClientLoad clients = new ClientLoad();
  private final BackgroundBudget budget = new BackgroundBudget(clock, MAX, clients);
  private final List<CompletableFuture<Void>> clientRequests = new ArrayList<>();

  /** A background job: asks for one piece at a time, the next once the last was granted, until stopped. */
  private final class Job {
    long bytes;
    boolean stopped;

    Job start() {
      next();
      return this;
    }

    private void next() {
      if (!stopped) {
        budget.take(PIECE).thenRun(() -> {
          bytes += PIECE;
          next();
        });
      }
    }
  }

  /** {@code n} client requests outstanding until {@link #clientsDone}. */
  private void clientsBusy(int n) {
    for (int i = 0; i < n; i++) {
      CompletableFuture<Void> r = new CompletableFuture<>();
      clientRequests.add(r);
      clients.track(() -> r);
    }
  }

  private void clientsDone() {
    clientRequests.forEach(r -> r.complete(null));
    clientRequests.clear();
  }

  /** Bytes per second the job got over the next {@code millis}. */
  private double rateOver(Job job, long millis) {
    long before = job.bytes;
    clock.advanceMillis(millis);
    return (job.bytes - before) * 1000.0 / millis;
  }

  @Test
  void idleClientsLeaveTheWholeMax() {
    Job job = new Job().start();
    clock.advanceMillis(500);
    assertThat(rateOver(job, 5000)).isBetween(MAX * 0.95, MAX * 1.05);
    assertThat(budget.state().rateBytesPerSecond()).isEqualTo(MAX);
    assertThat(budget.state().clientsBusy()).isFalse();
    assertThat(budget.state().waiting()).isEqualTo(1);
  }

  @Test
  void busyClientsPushTheRateDownToTheFloorButNeverBelowAndIdleClientsRaiseItBack() {
    Job job = new Job().start();
    clock.advanceMillis(500);
    clientsBusy(4);
    long lowest = Long.MAX_VALUE;
    for (int i = 0; i < 50; i++) {
      clock.advanceMillis(20);
      lowest = Math.min(lowest, budget.state().rateBytesPerSecond());
    }
    // Halved every 200 ms: from the max to the floor within 4 steps.
    assertThat(budget.state().rateBytesPerSecond()).isEqualTo(FLOOR);
    assertThat(budget.state().clientsBusy()).isTrue();
    assertThat(rateOver(job, 10_000)).isBetween(FLOOR * 0.9, FLOOR * 1.1);
    for (int i = 0; i < 100; i++) {
      clock.advanceMillis(20);
      lowest = Math.min(lowest, budget.state().rateBytesPerSecond());
    }
    assertThat(lowest).as("never below the floor").isEqualTo(FLOOR);

    clientsDone();
    // A step still counting the busy samples, then doubled every 200 ms.
    clock.advanceMillis(1400);
    assertThat(budget.state().rateBytesPerSecond()).isEqualTo(MAX);
    assertThat(rateOver(job, 5000)).isBetween(MAX * 0.95, MAX * 1.05);
  }

  @Test
  void aFewRequestsNowAndThenDoNotCountAsBusy() {
    Job job = new Job().start();
    for (int i = 0; i < 100; i++) {
      // One request outstanding for 20 ms of every 100 ms: 0.2 on average.
      clientsBusy(1);
      clock.advanceMillis(20);
      clientsDone();
      clock.advanceMillis(80);
    }
    assertThat(budget.state().clientsBusy()).isFalse();
    assertThat(rateOver(job, 1000)).isGreaterThan(MAX * 0.9);
  }

  @Test
  void everyJobGetsAShare() {
    clientsBusy(8);
    Job a = new Job().start();
    Job b = new Job().start();
    Job c = new Job().start();
    clock.advanceMillis(1000);
    long[] before = {a.bytes, b.bytes, c.bytes};
    clock.advanceMillis(10_000);
    double total = (a.bytes - before[0]) + (b.bytes - before[1]) + (c.bytes - before[2]);
    assertThat(total / 10).as("together at the floor").isBetween(FLOOR * 0.9, FLOOR * 1.1);
    for (long got : new long[] {a.bytes - before[0], b.bytes - before[1], c.bytes - before[2]}) {
      assertThat(got / total).isBetween(0.3, 0.37);
    }
    assertThat(budget.state().waiting()).isEqualTo(3);
  }

  @Test
  void aJobStartingWhileClientsAreBusyStartsAtTheFloor() {
    clientsBusy(2);
    Job job = new Job().start();
    assertThat(budget.state().rateBytesPerSecond()).isEqualTo(FLOOR);
    assertThat(rateOver(job, 2000)).isBetween(FLOOR * 0.9, FLOOR * 1.2);
  }

  @Test
  void theTimerStopsOnceNoJobAsksAndStartsAgainWithTheNext() {
    Job job = new Job().start();
    clock.advanceMillis(1000);
    job.stopped = true;
    clock.advanceMillis(3000);
    assertThat(clock.pending()).as("no timer while nothing asks").isZero();
    assertThat(budget.state().active()).isFalse();
    long granted = budget.state().grantedBytes();
    assertThat(granted).isEqualTo(job.bytes);

    job.stopped = false;
    job.start();
    clock.advanceMillis(1000);
    assertThat(budget.state().active()).isTrue();
    assertThat(budget.state().grantedBytes() - granted).isGreaterThan(MAX / 2);
  }

  @Test
  void withoutACapEveryPiecePassesAtOnceAndIsCounted() {
    BackgroundBudget free = new BackgroundBudget(clock, 0, clients);
    clientsBusy(8);
    for (int i = 0; i < 1000; i++) {
      assertThat(free.take(PIECE)).isDone();
    }
    assertThat(free.state().grantedBytes()).isEqualTo(1000L * PIECE);
    assertThat(clock.pending()).isZero();
  }

  @Test
  void closingLetsEveryWaitingPieceGo() {
    clientsBusy(8);
    List<CompletableFuture<Void>> pieces = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      pieces.add(budget.take(PIECE));
    }
    assertThat(pieces.stream().filter(CompletableFuture::isDone).count()).isLessThan(20);
    budget.close();
    assertThat(pieces).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
    assertThat(budget.take(PIECE)).isDone();
  }

  @Test
  void aThrottlesRequestsCountAsClientLoadWhileTheyWaitAndRunUntilTheyComplete() {
    VolumeThrottle throttle = new VolumeThrottle(clock, new LimitedFirst(clock), clients);
    throttle.configure(QosLimits.parse("iops-total=10"));
    List<CompletableFuture<Void>> running = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      throttle.then(true, 4096, () -> {
        CompletableFuture<Void> r = new CompletableFuture<>();
        running.add(r);
        return r;
      });
    }
    // An empty bucket lets one request and a tenth of a second's worth start; the others wait.
    assertThat(running).hasSize(2);
    assertThat(clients.outstanding()).isEqualTo(5);
    running.forEach(r -> r.complete(null));
    assertThat(clients.outstanding()).isEqualTo(3);
    clock.advanceMillis(1000);
    running.forEach(r -> r.complete(null));
    assertThat(clients.outstanding()).isZero();
    throttle.configure(QosLimits.none());
    assertThat(throttle.then(false, 4096, () -> CompletableFuture.<Void>completedFuture(null))).isDone();
    assertThat(clients.outstanding()).isZero();
  }

  @Test
  void aNegativeMaxIsRefused() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new BackgroundBudget(clock, -1, clients))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
  }
}
