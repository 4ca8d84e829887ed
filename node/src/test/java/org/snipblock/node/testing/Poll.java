package org.snipblock.node.testing;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Waits, bounded in time, for what a cluster reaches on its own schedule (a registration, a
 * failover): a timer asks every {@code PERIOD} and completes a future the test thread blocks on.
 */
public final class Poll {
  private static final long PERIOD_MILLIS = 200;
  private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "poll");
    t.setDaemon(true);
    return t;
  });

  private Poll() {}

  /** The first non-empty answer of {@code probe}; fails naming {@code what} after {@code timeout}. */
  public static <T> T until(String what, Duration timeout, Supplier<Optional<T>> probe) {
    CompletableFuture<T> done = new CompletableFuture<>();
    ScheduledFuture<?> poll = TIMER.scheduleWithFixedDelay(() -> {
      try {
        probe.get().ifPresent(done::complete);
      } catch (RuntimeException | AssertionError e) {
        done.completeExceptionally(e);
      }
    }, 0, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    try {
      return done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("timed out after " + timeout + " waiting for " + what);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted waiting for " + what, e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new AssertionError("failed waiting for " + what + ": " + e.getCause(), e.getCause());
    } finally {
      poll.cancel(false);
    }
  }
}
