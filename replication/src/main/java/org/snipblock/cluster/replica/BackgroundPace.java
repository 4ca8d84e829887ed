package org.snipblock.cluster.replica;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.snipblock.store.qos.BackgroundBudget;

/**
 * How one background job of a primary (a resync, a scrub) paces itself: each piece first waits for
 * the node's {@link BackgroundBudget}, which yields to the node's clients; and after it, the job's
 * own cap ({@code resync-rate}, the scrub rate) adds its pause, as before the budget existed.
 */
final class BackgroundPace {
  private final long bytesPerSecond;
  private final BackgroundBudget budget;

  /** @param bytesPerSecond the job's own cap; 0 = none */
  BackgroundPace(long bytesPerSecond, BackgroundBudget budget) {
    this.bytesPerSecond = bytesPerSecond;
    this.budget = budget;
  }

  /** Completes when the node's budget lets a piece of {@code bytes} start. */
  CompletableFuture<Void> budget(long bytes) {
    return budget.take(bytes);
  }

  /** Completes once {@code piece} has and the job's own cap allows its next piece. */
  CompletableFuture<Void> after(CompletableFuture<Void> piece, long bytes) {
    long pauseMillis = bytesPerSecond <= 0 ? 0 : bytes * 1000 / bytesPerSecond;
    if (pauseMillis == 0) {
      return piece;
    }
    return piece.thenCompose(x -> CompletableFuture.runAsync(() -> { },
        CompletableFuture.delayedExecutor(pauseMillis, TimeUnit.MILLISECONDS)));
  }
}
