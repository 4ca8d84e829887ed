package org.snipblock.cluster.replica;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.snipblock.block.DaemonThreads;

/**
 * Storage ballooning's brake at the primary: a token bucket on the bytes of new writes. Off (no
 * limit) unless {@link #limit} set a rate; a write that finds the bucket empty waits (it is never
 * refused) until its bytes have been paid for at the rate, in arrival order. Nothing blocks a
 * thread: waiting writes complete from one shared timer.
 */
public final class WriteThrottle {
  private static final ScheduledExecutorService TIMER =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("write-throttle"));
  // A burst of this much time at the rate passes without waiting, so small writes are not delayed one by one.
  private static final long BURST_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private long rate;             // bytes per second; 0 = off
  private long nextFreeNanos;    // when the bytes admitted so far have been paid for
  private final List<CompletableFuture<Void>> waiting = new ArrayList<>();

  /** Limits new writes to {@code bytesPerSecond} (positive). */
  public synchronized void limit(long bytesPerSecond) {
    if (bytesPerSecond <= 0) {
      throw new IllegalArgumentException("a throttle rate must be positive, got " + bytesPerSecond);
    }
    if (rate == 0) {
      nextFreeNanos = System.nanoTime();
    }
    rate = bytesPerSecond;
  }

  /** Lifts the limit; writes waiting go at once. */
  public void release() {
    List<CompletableFuture<Void>> go;
    synchronized (this) {
      rate = 0;
      go = new ArrayList<>(waiting);
      waiting.clear();
    }
    go.forEach(f -> f.complete(null));
  }

  /** The rate new writes are held to, bytes per second; 0 when off. */
  public synchronized long rate() {
    return rate;
  }

  /** Completes when a write of {@code bytes} may go (at once while off or within the burst). */
  CompletableFuture<Void> admit(long bytes) {
    long waitNanos;
    CompletableFuture<Void> f;
    synchronized (this) {
      if (rate == 0) {
        return CompletableFuture.completedFuture(null);
      }
      long now = System.nanoTime();
      // GCRA: the write may start once what was admitted before it is paid for, less the burst allowance.
      long due = Math.max(nextFreeNanos, now);
      waitNanos = due - BURST_NANOS - now;
      nextFreeNanos = due + bytes * 1_000_000_000L / rate;
      if (waitNanos <= 0) {
        return CompletableFuture.completedFuture(null);
      }
      f = new CompletableFuture<>();
      waiting.add(f);
    }
    TIMER.schedule(() -> {
      synchronized (this) {
        waiting.remove(f);
      }
      f.complete(null);
    }, waitNanos, TimeUnit.NANOSECONDS);
    return f;
  }
}
