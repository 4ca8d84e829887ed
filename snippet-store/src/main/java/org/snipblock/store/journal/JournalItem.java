package org.snipblock.store.journal;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * One request to the journal: a batch to append (null for a plain sync), whether it must be durable
 * before it completes, and what to tell its owner once it is applied.
 *
 * @param inline completed by the syncer itself, not handed to the completions executor: its
 *     caller holds range locks that the executor's threads may be waiting for
 */
record JournalItem(JournalBatch batch, boolean sync, Consumer<Throwable> onApplied,
    CompletableFuture<Void> done, boolean inline) {

  static void complete(List<CompletableFuture<Void>> futures, Throwable err) {
    for (CompletableFuture<Void> f : futures) {
      if (err == null) {
        f.complete(null);
      } else {
        f.completeExceptionally(err);
      }
    }
  }

  /** Fails requests that never reached the database, releasing what their owners hold. */
  static void failAll(Iterable<JournalItem> items, Throwable why) {
    for (JournalItem it : items) {
      if (it.done() == null || it.done().isDone()) {
        continue;
      }
      if (it.onApplied() != null) {
        it.onApplied().accept(why);
      }
      it.done().completeExceptionally(why);
    }
  }
}
