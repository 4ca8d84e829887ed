package org.snipblock.cluster.replica;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class AckDeadlinesTest {
  private static final Duration BOUND = Duration.ofSeconds(20);

  @Test
  void onlyTheChangesStillPendingAtTheirDeadlineFailAndEachAtItsOwn() throws Exception {
    AckDeadlines deadlines = new AckDeadlines(Duration.ofMillis(200));
    CompletableFuture<Void> first = deadlines.bound(new CompletableFuture<>());
    CompletableFuture<Void> answered = deadlines.bound(new CompletableFuture<>());
    answered.complete(null);
    long firstBound = System.nanoTime();
    assertThat(first).failsWithin(BOUND).withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(TimeoutException.class);
    // A change bounded after the first one expired re-arms the timer and gets its own full timeout.
    long secondBound = System.nanoTime();
    CompletableFuture<Void> second = deadlines.bound(new CompletableFuture<>());
    assertThat(second).failsWithin(BOUND).withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(TimeoutException.class);
    assertThat(System.nanoTime() - secondBound).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(200));
    assertThat(secondBound - firstBound).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(200));
    assertThat(answered).isCompleted();
  }

  @Test
  void aSlowChangeDoesNotKeepTheManyAnsweredBehindItNorDelayTheirOutcome() {
    AckDeadlines deadlines = new AckDeadlines(Duration.ofMillis(300));
    CompletableFuture<Void> slow = deadlines.bound(new CompletableFuture<>());
    List<CompletableFuture<Void>> quick = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      CompletableFuture<Void> c = deadlines.bound(new CompletableFuture<>());
      c.complete(null);
      quick.add(c);
    }
    CompletableFuture<Void> late = deadlines.bound(new CompletableFuture<>());
    assertThat(deadlines.queued()).as("answered changes swept while the slow one waits").isLessThan(4096 + 2);
    assertThat(slow).failsWithin(BOUND);
    assertThat(late).failsWithin(BOUND).withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(TimeoutException.class);
    assertThat(quick).allMatch(c -> c.isDone() && !c.isCompletedExceptionally());
  }

  @Test
  void aChangeDoneBeforeItIsBoundIsReturnedAsItIs() {
    AckDeadlines deadlines = new AckDeadlines(Duration.ofMillis(1));
    CompletableFuture<Void> done = CompletableFuture.completedFuture(null);
    assertThat(deadlines.bound(done)).isSameAs(done);
  }
}
