package org.snipblock.cluster.follow;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.snipblock.block.DaemonThreads;

/**
 * The simulated wide-area link from this node to one node of another site: when each message may
 * arrive, given the link's delay and its rate (the bytes ahead of it must have passed first).
 * Messages are released by one timer thread in due order, which keeps each stream's order.
 */
final class WanPacing {
  static final ScheduledExecutorService TIMER =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("simulated-wan"));

  private final long delayNanos;
  private final long bytesPerSecond;
  private long linkFreeNanos;

  WanPacing(SiteSettings.SimulatedWan wan) {
    this.delayNanos = wan.delay().toNanos();
    this.bytesPerSecond = wan.bytesPerSecond();
  }

  long delayNanos() {
    return delayNanos;
  }

  /** The nanoTime at which a message of {@code bytes} sent now arrives. */
  synchronized long arrival(long bytes) {
    long now = System.nanoTime();
    long sent = now;
    if (bytesPerSecond > 0) {
      sent = Math.max(linkFreeNanos, now) + bytes * 1_000_000_000L / bytesPerSecond;
      linkFreeNanos = sent;
    }
    return sent + delayNanos;
  }

  /** Runs {@code task} on the link's timer at {@code dueNanos}. */
  static void at(long dueNanos, Runnable task) {
    TIMER.schedule(task, Math.max(0, dueNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
  }
}
