package org.snipblock.cluster.replica;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.block.BlockDeviceException.Kind;

/**
 * Back-pressure for async snippets: what a failover may lose is bounded by the unacknowledged
 * tail, so new changes wait while a reachable replica is more than the bound behind, rather than
 * letting the tail grow without limit.
 */
final class AsyncLag {
  private final LongSupplier lagBytes;
  private final long maxLagBytes;
  private final List<CompletableFuture<Void>> waiters = new ArrayList<>();

  /** @param lagBytes the furthest reachable replica's unacknowledged bytes */
  AsyncLag(LongSupplier lagBytes, long maxLagBytes) {
    this.lagBytes = lagBytes;
    this.maxLagBytes = maxLagBytes;
  }

  boolean overBound() {
    return lagBytes.getAsLong() > maxLagBytes;
  }

  /** Completes once the lag is within the bound again. */
  CompletableFuture<Void> belowBound() {
    CompletableFuture<Void> f = new CompletableFuture<>();
    synchronized (waiters) {
      waiters.add(f);
    }
    // The lag may have shrunk between the caller's check and the wait being registered.
    progress();
    return f;
  }

  /** A replica acknowledged (or its stream broke): releases the waiting changes if the lag is now within the bound. */
  void progress() {
    List<CompletableFuture<Void>> ready;
    synchronized (waiters) {
      if (waiters.isEmpty() || overBound()) {
        return;
      }
      ready = new ArrayList<>(waiters);
      waiters.clear();
    }
    ready.forEach(f -> f.complete(null));
  }

  void close() {
    List<CompletableFuture<Void>> out;
    synchronized (waiters) {
      out = new ArrayList<>(waiters);
      waiters.clear();
    }
    out.forEach(f -> f.completeExceptionally(new BlockDeviceException(Kind.UNAVAILABLE, "device closed")));
  }
}
