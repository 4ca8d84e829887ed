package org.snipblock.store.qos;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The door every request of one volume passes before it reaches the volume: it lets a request
 * start at once while the volume's limits allow, and otherwise delays it (never fails it) until
 * the buckets have drained enough. Delayed requests wait in two queues, reads and writes, in
 * arrival order, and are released alternately by the {@link ThrottleTimer}, so no thread ever
 * sleeps: the caller gets a future that the timer completes. As in QEMU, a request is counted
 * when it starts, and flushes are not limited.
 *
 * <p>{@link #configure} takes effect at once: the buckets start empty under the new limits (as
 * QEMU's do) and waiting requests are released as far as the new limits allow.
 */
public final class VolumeThrottle {
  private static final CompletableFuture<Void> NOW = CompletableFuture.completedFuture(null);
  /** The shortest timer: below it, waiting again costs more than it is worth. */
  private static final long MIN_WAIT_NANOS = 100_000;
  /** How long after its last delayed request a volume still shows as throttled. */
  private static final long SHOWN_THROTTLED_NANOS = 1_000_000_000L;

  private final ThrottleTimer timer;
  private final LimitedFirst first;
  private final ClientLoad clients;
  private final ArrayDeque<Waiting> reads = new ArrayDeque<>();
  private final ArrayDeque<Waiting> writes = new ArrayDeque<>();
  private volatile LeakyBuckets buckets;
  private boolean timerSet;
  private boolean writeNext;
  private long delayed;
  private long admittedOps;
  private long admittedBytes;
  private long lastDelay = Long.MIN_VALUE;

  private record Waiting(long length, CompletableFuture<Void> go) {}

  /** Requests and bytes let through so far and requests delayed: what a cluster-wide group's shares are measured by. */
  public record Use(long ops, long bytes, long delayed) {}

  public VolumeThrottle(ThrottleTimer timer) {
    this(timer, new LimitedFirst(timer), new ClientLoad());
  }

  /**
   * @param first   the node's precedence of limited volumes over unlimited ones, shared by all its throttles
   * @param clients the node's count of outstanding client requests, shared likewise, which its
   *                background work yields to ({@link BackgroundBudget})
   */
  public VolumeThrottle(ThrottleTimer timer, LimitedFirst first, ClientLoad clients) {
    this.timer = timer;
    this.first = first;
    this.clients = clients;
    this.buckets = new LeakyBuckets(QosLimits.none(), timer.now());
  }

  /** The limits in force. */
  public QosLimits limits() {
    return buckets.limits();
  }

  /** Applies new limits at once (QosLimits.none() lifts them and releases every waiting request). */
  public void configure(QosLimits limits) {
    List<CompletableFuture<Void>> go;
    synchronized (this) {
      if (limits.equals(buckets.limits())) {
        return;
      }
      buckets = new LeakyBuckets(limits, timer.now());
      go = release();
    }
    go.forEach(f -> f.complete(null));
  }

  /**
   * Completes when a request of {@code length} bytes may start: at once (an already completed
   * future) when the limits allow, else later, on the timer's thread.
   */
  public CompletableFuture<Void> admit(boolean write, long length) {
    if (buckets.limits().isNone()) {
      return NOW;
    }
    synchronized (this) {
      long now = timer.now();
      ArrayDeque<Waiting> queue = write ? writes : reads;
      if (queue.isEmpty() && buckets.waitNanos(write, now) == 0) {
        buckets.account(write, length);
        admittedOps++;
        admittedBytes += length;
        return NOW;
      }
      Waiting w = new Waiting(length, new CompletableFuture<>());
      queue.add(w);
      delayed++;
      lastDelay = now;
      arm(now);
      return w.go();
    }
  }

  /**
   * Runs {@code request} once the limits let a request of {@code length} bytes start (at once, on
   * this thread, if they do). Without limits, the request may yield to limited volumes on the node
   * first ({@link LimitedFirst}). The request counts as the node's client load from now until it
   * completes, waiting included ({@link ClientLoad}).
   */
  public <T> CompletableFuture<T> then(boolean write, long length, Supplier<CompletableFuture<T>> request) {
    return clients.track(() -> {
      if (buckets.limits().isNone()) {
        return first.unlimited(request);
      }
      CompletableFuture<Void> go = admit(write, length);
      return go.isDone() ? first.limited(request) : go.thenCompose(x -> first.limited(request));
    });
  }

  /** The counts so far (only requests under limits are counted: an unlimited throttle is never asked). */
  public synchronized Use use() {
    return new Use(admittedOps, admittedBytes, delayed);
  }

  /** What {@code volume show} reports. */
  public synchronized QosState state() {
    long now = timer.now();
    int waiting = reads.size() + writes.size();
    boolean throttled = waiting > 0 || (delayed > 0 && now - lastDelay < SHOWN_THROTTLED_NANOS);
    return new QosState(buckets.limits(), throttled, waiting, delayed);
  }

  /** Lets every waiting request go (the volume is closing or its primary moves); they then meet the device as it is. */
  public void releaseAll() {
    List<CompletableFuture<Void>> go = new ArrayList<>();
    synchronized (this) {
      reads.forEach(w -> go.add(w.go()));
      writes.forEach(w -> go.add(w.go()));
      reads.clear();
      writes.clear();
    }
    go.forEach(f -> f.complete(null));
  }

  private void tick() {
    List<CompletableFuture<Void>> go;
    synchronized (this) {
      timerSet = false;
      go = release();
    }
    go.forEach(f -> f.complete(null));
  }

  /** Under the lock: takes what may start now off the queues (alternating reads and writes), and sets the timer for the rest. */
  private List<CompletableFuture<Void>> release() {
    List<CompletableFuture<Void>> go = new ArrayList<>();
    long now = timer.now();
    boolean progress = true;
    while (progress) {
      progress = false;
      for (int i = 0; i < 2 && !progress; i++) {
        boolean write = i == 0 ? writeNext : !writeNext;
        ArrayDeque<Waiting> queue = write ? writes : reads;
        if (!queue.isEmpty() && (buckets.limits().isNone() || buckets.waitNanos(write, now) == 0)) {
          Waiting w = queue.poll();
          buckets.account(write, w.length());
          admittedOps++;
          admittedBytes += w.length();
          go.add(w.go());
          progress = true;
          // The other direction has the first turn next time.
          writeNext = !write;
        }
      }
    }
    arm(now);
    return go;
  }

  /** Under the lock: sets the timer for the first waiting request that can start, unless it is set. */
  private void arm(long now) {
    if (timerSet || (reads.isEmpty() && writes.isEmpty())) {
      return;
    }
    long wait = Long.MAX_VALUE;
    if (!reads.isEmpty()) {
      wait = buckets.waitNanos(false, now);
    }
    if (!writes.isEmpty()) {
      wait = Math.min(wait, buckets.waitNanos(true, now));
    }
    timerSet = true;
    timer.schedule(this::tick, Math.max(wait, MIN_WAIT_NANOS));
  }
}
