package org.snipblock.cluster.testing;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

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
    await(what, timeout, condition, () -> "");
  }

  /** As {@link #await(String, Duration, BooleanSupplier)}, and on timeout says what {@code state} shows then. */
  public static void await(String what, Duration timeout, BooleanSupplier condition, Supplier<String> state) {
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
      String seen = state.get();
      throw new AssertionError("timed out after " + timeout + " waiting for " + what
          + (seen.isEmpty() ? "" : " (last seen: " + seen + ")"));
    } catch (Exception e) {
      throw new AssertionError("failed waiting for " + what, e);
    } finally {
      poll.cancel(false);
    }
  }
}
