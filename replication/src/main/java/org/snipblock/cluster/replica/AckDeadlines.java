package org.snipblock.cluster.replica;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The acknowledgement timeout of a device's sync changes, with one timer for all of them instead
 * of one per change ({@code orTimeout} queued a task and woke the JDK's timer thread on every
 * write at depth 1, and cancelled it a round trip later). Changes are bounded in the order they
 * are admitted with one timeout, so their deadlines come in order and the timer only ever waits
 * for the oldest one still pending.
 */
final class AckDeadlines {
  private static final int SWEEP_AT = 4096;

  private record Waiting(long deadline, CompletableFuture<?> change) {}

  private final long timeoutNanos;
  // Oldest first, deadlines non-decreasing: taken under this object's lock.
  private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
  private boolean armed;
  private int sweepAt = SWEEP_AT;

  AckDeadlines(Duration timeout) {
    this.timeoutNanos = timeout.toNanos();
  }

  /** Fails {@code change} with a {@link TimeoutException} unless it completes within the timeout; returns it. */
  <T> CompletableFuture<T> bound(CompletableFuture<T> change) {
    if (change.isDone()) {
      return change;
    }
    synchronized (this) {
      waiting.addLast(new Waiting(System.nanoTime() + timeoutNanos, change));
      if (waiting.size() >= sweepAt) {
        // Changes done behind a slow one would otherwise stay queued until it is: drop them now and then.
        waiting.removeIf(w -> w.change().isDone());
        sweepAt = Math.max(SWEEP_AT, 2 * waiting.size());
      }
      if (!armed) {
        armed = true;
        wakeIn(timeoutNanos);
      }
    }
    return change;
  }

  /** Changes queued for the timer (done ones may linger until the next sweep). */
  synchronized int queued() {
    return waiting.size();
  }

  private void check() {
    List<CompletableFuture<?>> expired = new ArrayList<>();
    synchronized (this) {
      long now = System.nanoTime();
      for (Waiting w = waiting.peekFirst(); w != null; w = waiting.peekFirst()) {
        if (!w.change().isDone() && w.deadline() - now > 0) {
          wakeIn(w.deadline() - now);
          break;
        }
        waiting.pollFirst();
        if (!w.change().isDone()) {
          expired.add(w.change());
        }
      }
      armed = !waiting.isEmpty();
    }
    expired.forEach(c -> c.completeExceptionally(new TimeoutException()));
  }

  private void wakeIn(long nanos) {
    CompletableFuture.delayedExecutor(nanos, TimeUnit.NANOSECONDS).execute(this::check);
  }
}
