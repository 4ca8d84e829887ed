package org.snipblock.store.qos;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The client requests a node has outstanding: counted from the moment one reaches its volume's
 * throttle (so one waiting there counts) until it completes, and on a cluster node also the
 * changes of other nodes' clients that it applies as a replica, from arrival until applied. One
 * per node, shared by every throttle and the replica side; the {@link BackgroundBudget} samples it
 * to tell busy clients from idle ones. Counting costs an atomic increment and a completion
 * callback per request, nothing else.
 */
public final class ClientLoad {
  private final AtomicInteger outstanding = new AtomicInteger();

  /** Runs {@code request}, counting it as outstanding until its future completes. */
  public <T> CompletableFuture<T> track(Supplier<CompletableFuture<T>> request) {
    outstanding.incrementAndGet();
    CompletableFuture<T> f;
    try {
      f = request.get();
    } catch (RuntimeException | Error e) {
      outstanding.decrementAndGet();
      throw e;
    }
    f.whenComplete((r, e) -> outstanding.decrementAndGet());
    return f;
  }

  /** Client requests outstanding now. */
  public int outstanding() {
    return outstanding.get();
  }
}
