package org.snipblock.cluster.replica;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Applies operations in sequence order wherever they overlap, and in parallel where they don't.
 * The primary and every replica run the same sequence through one of these, so two writes to the
 * same block land in the same order on every copy even though the device below may reorder
 * requests in flight. A barrier (flush) overlaps everything.
 */
final class OverlapOrder {
  private record InFlight(long start, long end, CompletableFuture<?> done) {}

  private final Map<Long, InFlight> inFlight = new LinkedHashMap<>();

  /**
   * Runs {@code action} once every earlier operation overlapping {@code [offset, offset+length)}
   * has completed. Must be called in sequence order (the caller holds the sequencing lock).
   */
  synchronized <T> CompletableFuture<T> submit(long seq, long offset, long length, boolean barrier,
      Supplier<CompletableFuture<T>> action) {
    long end = barrier ? Long.MAX_VALUE : offset + length;
    long start = barrier ? Long.MIN_VALUE : offset;
    List<CompletableFuture<?>> before = new ArrayList<>();
    for (Iterator<InFlight> it = inFlight.values().iterator(); it.hasNext(); ) {
      InFlight f = it.next();
      if (f.done().isDone()) {
        it.remove();
      } else if (f.start() < end && start < f.end()) {
        before.add(f.done());
      }
    }
    CompletableFuture<T> result = CompletableFuture.allOf(before.toArray(CompletableFuture[]::new))
        .handle((v, e) -> null)
        .thenCompose(v -> action.get());
    inFlight.put(seq, new InFlight(start, end, result));
    return result;
  }
}
