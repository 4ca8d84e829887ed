package org.snipblock.cluster.testing;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * Waits, bounded in time, for a condition that distributed state reaches on its own schedule
 * (a raft commit applied on a follower, a view change): checks it on a timer and completes a
 * future, so the test thread blocks on the future, never in a sleep loop.
 */
public final class Eventually {
  private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "eventually");
    t.setDaemon(true);
    return t;
  });

  private Eventually() {}

  public static void await(String what, Duration timeout, BooleanSupplier condition) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    ScheduledFuture<?> poll = TIMER.scheduleWithFixedDelay(() -> {
      try {
        if (condition.getAsBoolean()) {
          done.complete(null);
        }
      } catch (RuntimeException e) {
        done.completeExceptionally(e);
      }
    }, 0, 50, TimeUnit.MILLISECONDS);
    try {
      done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("timed out after " + timeout + " waiting for " + what);
    } catch (Exception e) {
      throw new AssertionError("failed waiting for " + what, e);
    } finally {
      poll.cancel(false);
    }
  }
}
