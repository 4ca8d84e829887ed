package org.snipblock.store.qos;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The node's lower QoS class: one byte budget that every background job (resync and
 * re-replication, scrub and verify, flatten) asks before each piece it copies or compares. Its rate
 * follows the clients: every {@link #STEP_NANOS} it halves while clients kept requests outstanding
 * ({@link ClientLoad}, at least {@link #BUSY_OUTSTANDING} on average over the step's samples), and
 * doubles while they did not, between the max and a floor of {@link #FLOOR_PERCENT} % of it. So
 * background work yields to client I/O within a second, takes the whole max within a second of
 * the clients going quiet, and never stops: a rebuild always finishes.
 *
 * <p>Pieces are granted in arrival order (each job has one piece asking at a time, so jobs take
 * turns), with a leaky bucket as the volume throttles': a piece may start while less than
 * {@link #BUCKET_SECONDS} of the rate is outstanding, and then adds its bytes. A piece never fails:
 * it waits, and the timer of the budget lets it go. The budget's timer runs only while it is in use
 * (a piece waiting, or one asked within {@link #IDLE_NANOS}): a node without background work pays
 * nothing.
 */
public final class BackgroundBudget implements AutoCloseable {
  /** How often the budget samples the clients and lets waiting pieces go while it is in use. */
  static final long SAMPLE_NANOS = 20_000_000L;
  /** Samples per step: the rate changes at most every {@link #STEP_NANOS}. */
  static final int SAMPLES_PER_STEP = 10;
  static final long STEP_NANOS = SAMPLE_NANOS * SAMPLES_PER_STEP;
  /**
   * Clients count as busy when they had at least this many requests outstanding on average: a
   * client with a request in flight half the time waits behind whatever background work the store
   * does, while one asking now and then (a trickle of metadata writes) does not hold a rebuild back.
   */
  static final double BUSY_OUTSTANDING = 0.5;
  /** The lowest rate, in percent of the max: what keeps a rebuild going under any client load. */
  public static final int FLOOR_PERCENT = 10;
  /** A piece may start while less than this many seconds' worth of the rate is outstanding. */
  static final double BUCKET_SECONDS = 0.1;
  /** How long the budget keeps sampling after its last piece, so that a job's next piece finds a current rate. */
  static final long IDLE_NANOS = 1_000_000_000L;
  private static final CompletableFuture<Void> NOW = CompletableFuture.completedFuture(null);
  private static final BackgroundBudget UNCAPPED = new BackgroundBudget(null, 0, new ClientLoad());

  private final ThrottleTimer timer;
  private final ClientLoad clients;
  private final long max;
  private final long floor;
  private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
  private double rate;
  private double level;
  private long drained;
  private long lastAsked;
  private boolean ticking;
  private boolean busy;
  private int samples;
  private long outstandingSum;
  private long granted;
  private boolean closed;

  private record Waiting(long bytes, CompletableFuture<Void> go) {}

  /**
   * What {@code status} and the metrics show.
   *
   * @param rateBytesPerSecond what background work may move now (the max when no cap)
   * @param active             true while the budget is in use (a piece waiting or asked lately)
   * @param clientsBusy        whether the clients were busy at the last step
   * @param waiting            pieces waiting now, at most one per job
   * @param grantedBytes       bytes granted to background work since the node started
   */
  public record State(long rateBytesPerSecond, long floorBytesPerSecond, long maxBytesPerSecond, boolean active,
      boolean clientsBusy, int waiting, long grantedBytes) {}

  /**
   * @param timer             the budget's clock and timer (may be null without a cap)
   * @param maxBytesPerSecond what all background work of the node may move per second while the
   *                          clients are idle; 0 = no cap (pieces pass at once, counted)
   */
  public BackgroundBudget(ThrottleTimer timer, long maxBytesPerSecond, ClientLoad clients) {
    if (maxBytesPerSecond < 0) {
      throw new IllegalArgumentException("background rate must not be negative: " + maxBytesPerSecond);
    }
    this.timer = timer;
    this.clients = clients;
    this.max = maxBytesPerSecond;
    this.floor = max == 0 ? 0 : Math.max(1, max * FLOOR_PERCENT / 100);
    this.rate = max;
  }

  /** A budget without a cap (it never needs a timer), for what has no background budget of its own. */
  public static BackgroundBudget uncapped() {
    return UNCAPPED;
  }

  /** The client requests whose load the budget follows. */
  public ClientLoad clients() {
    return clients;
  }

  /**
   * Completes when background work may move {@code bytes} more: at once (an already completed
   * future) while the budget allows, else later on the budget's timer. Never fails.
   */
  public CompletableFuture<Void> take(long bytes) {
    synchronized (this) {
      if (max == 0 || closed) {
        granted += bytes;
        return NOW;
      }
      long now = timer.now();
      lastAsked = now;
      if (!ticking) {
        resume(now);
      }
      drain(now);
      if (waiting.isEmpty() && level < bucket()) {
        level += bytes;
        granted += bytes;
        return NOW;
      }
      Waiting w = new Waiting(bytes, new CompletableFuture<>());
      waiting.add(w);
      return w.go();
    }
  }

  public synchronized State state() {
    return new State(Math.round(rate), floor, max, ticking, busy, waiting.size(), granted);
  }

  /** Lets every waiting piece go and grants every later one at once: the node is closing. */
  @Override
  public void close() {
    List<CompletableFuture<Void>> go = new ArrayList<>();
    synchronized (this) {
      closed = true;
      waiting.forEach(w -> go.add(w.go()));
      waiting.clear();
    }
    go.forEach(f -> f.complete(null));
  }

  /** Under the lock: the budget is asked again after a quiet spell; it starts where the clients are now. */
  private void resume(long now) {
    drain(now);
    busy = clients.outstanding() >= BUSY_OUTSTANDING;
    rate = busy ? floor : max;
    samples = 0;
    outstandingSum = 0;
    ticking = true;
    timer.schedule(this::tick, SAMPLE_NANOS);
  }

  private void tick() {
    List<CompletableFuture<Void>> go = new ArrayList<>();
    synchronized (this) {
      if (closed) {
        ticking = false;
        return;
      }
      long now = timer.now();
      drain(now);
      outstandingSum += clients.outstanding();
      if (++samples >= SAMPLES_PER_STEP) {
        step(outstandingSum / (double) samples);
        samples = 0;
        outstandingSum = 0;
      }
      while (!waiting.isEmpty() && level < bucket()) {
        Waiting w = waiting.poll();
        level += w.bytes();
        granted += w.bytes();
        go.add(w.go());
      }
      if (waiting.isEmpty() && go.isEmpty() && now - lastAsked >= IDLE_NANOS) {
        ticking = false;
      } else {
        timer.schedule(this::tick, SAMPLE_NANOS);
      }
    }
    go.forEach(f -> f.complete(null));
  }

  /** Under the lock: the policy, once per step. */
  private void step(double averageOutstanding) {
    busy = averageOutstanding >= BUSY_OUTSTANDING;
    rate = busy ? Math.max(floor, rate / 2) : Math.min(max, rate * 2);
  }

  /** Under the lock: the bucket leaks at the rate in force since the last drain. */
  private void drain(long now) {
    long delta = now - drained;
    if (delta > 0) {
      level = Math.max(0, level - rate * delta / 1e9);
      drained = now;
    }
  }

  private double bucket() {
    return rate * BUCKET_SECONDS;
  }
}
