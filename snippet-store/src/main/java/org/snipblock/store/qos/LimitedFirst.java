package org.snipblock.store.qos;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Precedence on one node for volumes under limits over unlimited ones. A limit is a promise: a
 * volume asking for less than its limit should get it, however busy its neighbours are. When an
 * unlimited neighbour runs at full speed, its deep queue fills the store's and the event loops'
 * queues, and every request of the limited volume waits behind it (25 % of a limited volume's IOPS
 * were lost so). So while a limited volume is busy (a request of it in flight, or one started within
 * {@link #BUSY_NANOS}) the node's unlimited requests may have only {@link #UNLIMITED_IN_FLIGHT} in
 * flight; the rest wait here in arrival order (never failed) and start as earlier ones complete.
 * When no limited volume is busy, unlimited requests pass at once, as before.
 */
public final class LimitedFirst {
  /**
   * Unlimited requests in flight at once while a limited volume is busy: enough to keep a store's
   * I/O threads busy with the neighbour's work, few enough that a limited request waits behind
   * a handful of them, not behind the neighbour's whole queue depth.
   */
  static final int UNLIMITED_IN_FLIGHT = 8;
  /** How long after its last request started a limited volume still counts as busy (its next one is due). */
  static final long BUSY_NANOS = 100_000_000L;

  private final ThrottleTimer timer;
  private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
  private int limitedInFlight;
  // Until a limited volume's first request, unlimited ones pass uncounted: no cost on a node without limits.
  private volatile boolean limitedSeen;
  private long lastLimited;
  private int unlimitedInFlight;
  private long yielded;

  public LimitedFirst(ThrottleTimer timer) {
    this.timer = timer;
  }

  /** A limited volume's request, admitted by its throttle: starts now, and counts as busy until it completes. */
  public <T> CompletableFuture<T> limited(Supplier<CompletableFuture<T>> request) {
    synchronized (this) {
      limitedInFlight++;
      limitedSeen = true;
      lastLimited = timer.now();
    }
    CompletableFuture<T> f;
    try {
      f = request.get();
    } catch (RuntimeException | Error e) {
      limitedDone();
      throw e;
    }
    f.whenComplete((r, e) -> limitedDone());
    return f;
  }

  private synchronized void limitedDone() {
    limitedInFlight--;
    lastLimited = timer.now();
  }

  /** An unlimited volume's request: starts now, or after earlier unlimited ones while a limited volume is busy. */
  public <T> CompletableFuture<T> unlimited(Supplier<CompletableFuture<T>> request) {
    if (!limitedSeen) {
      return request.get();
    }
    synchronized (this) {
      if (waiting.isEmpty() && (unlimitedInFlight < UNLIMITED_IN_FLIGHT || !busy())) {
        unlimitedInFlight++;
      } else {
        CompletableFuture<T> later = new CompletableFuture<>();
        waiting.add(() -> {
          try {
            start(request).whenComplete((r, e) -> {
              if (e != null) {
                later.completeExceptionally(e);
              } else {
                later.complete(r);
              }
            });
          } catch (RuntimeException | Error e) {
            later.completeExceptionally(e);
          }
        });
        yielded++;
        return later;
      }
    }
    return start(request);
  }

  /** Unlimited requests that had to wait so far. */
  public synchronized long yielded() {
    return yielded;
  }

  private <T> CompletableFuture<T> start(Supplier<CompletableFuture<T>> request) {
    CompletableFuture<T> f;
    try {
      f = request.get();
    } catch (RuntimeException | Error e) {
      unlimitedDone();
      throw e;
    }
    f.whenComplete((r, e) -> unlimitedDone());
    return f;
  }

  private void unlimitedDone() {
    synchronized (this) {
      unlimitedInFlight--;
      boolean busy = busy();
      while (!waiting.isEmpty() && (unlimitedInFlight < UNLIMITED_IN_FLIGHT || !busy)) {
        unlimitedInFlight++;
        // On the QoS timer's thread, as throttled requests continue: not on the completing thread,
        // where a request completing at once would start the next one deeper in the same stack.
        timer.schedule(waiting.poll(), 0);
      }
    }
  }

  /** Under the lock. */
  private boolean busy() {
    return limitedInFlight > 0 || limitedSeen && timer.now() - lastLimited < BUSY_NANOS;
  }
}
