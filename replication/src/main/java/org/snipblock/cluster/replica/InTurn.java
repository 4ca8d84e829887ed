package org.snipblock.cluster.replica;

import java.util.concurrent.CompletableFuture;
import java.util.function.IntFunction;

/**
 * Runs asynchronous steps one after another, each started when the previous one is done, without
 * building the whole chain up front (a pass over a large volume has hundreds of thousands of
 * steps) and without deepening the stack when steps complete at once.
 */
final class InTurn {
  private InTurn() {}

  /** Runs {@code step(0) .. step(count - 1)} in turn; fails with the first step that fails. */
  static CompletableFuture<Void> run(int count, IntFunction<CompletableFuture<Void>> step) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    from(0, count, step, done);
    return done;
  }

  private static void from(int first, int count, IntFunction<CompletableFuture<Void>> step,
      CompletableFuture<Void> done) {
    for (int i = first; i < count; i++) {
      CompletableFuture<Void> f;
      try {
        f = step.apply(i);
      } catch (RuntimeException e) {
        done.completeExceptionally(e);
        return;
      }
      if (f.isDone() && !f.isCompletedExceptionally()) {
        continue;
      }
      int next = i + 1;
      f.whenComplete((x, e) -> {
        if (e != null) {
          done.completeExceptionally(e);
        } else {
          from(next, count, step, done);
        }
      });
      return;
    }
    done.complete(null);
  }
}
