package org.snipblock.cluster.door;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Wakes door requests that wait for the metadata to name a new primary. Fed from the metadata's
 * change callback (the raft applier thread), so completing a waiter must stay cheap: waiters only
 * hand their retry to the doors' executor.
 */
final class VolumeChanges {
  private final Map<String, Set<CompletableFuture<Void>>> waiting = new ConcurrentHashMap<>();

  /** Completes at the next change of the volume's record (or when the caller completes it itself). */
  CompletableFuture<Void> next(String volume) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    waiting.compute(volume, (k, s) -> {
      Set<CompletableFuture<Void>> set = s != null ? s : ConcurrentHashMap.newKeySet();
      set.add(f);
      return set;
    });
    f.whenComplete((x, e) -> waiting.computeIfPresent(volume, (k, s) -> {
      s.remove(f);
      return s.isEmpty() ? null : s;
    }));
    return f;
  }

  void changed(String volume) {
    Set<CompletableFuture<Void>> s = waiting.remove(volume);
    if (s != null) {
      s.forEach(f -> f.complete(null));
    }
  }

  /** Wakes every waiter (the node is closing: their retries then fail at once). */
  void releaseAll() {
    for (String volume : waiting.keySet()) {
      changed(volume);
    }
  }
}
