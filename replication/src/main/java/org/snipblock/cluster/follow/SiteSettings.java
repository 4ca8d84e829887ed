package org.snipblock.cluster.follow;

import java.time.Duration;

/**
 * How a node judges distance and steers volumes that span sites.
 *
 * @param syncBound     nodes whose measured round trip is at most this are within synchronous reach
 *                      of each other (the "site" the measurements show); a sync volume whose copies
 *                      span a slower link is flagged
 * @param autoSyncLagBytes under {@code --mode auto}: async switches to sync once the lag is at most
 *                      this and the write rate fits the link; a catch-up is done once the lag is this small
 * @param autoAsyncWait under {@code --mode auto}: sync switches to async once replication stays
 *                      backlogged and its oldest unacknowledged change is older than this
 * @param balloonFloorBytesPerSecond the lowest rate ballooning throttles a catching-up volume's writes to
 * @param simulatedWan  for tests only: delay (and a rate cap on) traffic to nodes of other sites; null = off
 * @param linkFaults    for tests only: the admin API may cut and slow this node's links at run time ({@link LinkFaults})
 */
public record SiteSettings(Duration syncBound, long autoSyncLagBytes, Duration autoAsyncWait,
    long balloonFloorBytesPerSecond, SimulatedWan simulatedWan, boolean linkFaults) {

  public SiteSettings(Duration syncBound, long autoSyncLagBytes, Duration autoAsyncWait,
      long balloonFloorBytesPerSecond, SimulatedWan simulatedWan) {
    this(syncBound, autoSyncLagBytes, autoAsyncWait, balloonFloorBytesPerSecond, simulatedWan, false);
  }

  public SiteSettings {
    if (syncBound == null || syncBound.isNegative() || syncBound.isZero()) {
      throw new IllegalArgumentException("sync-bound must be positive");
    }
    if (autoSyncLagBytes <= 0) {
      throw new IllegalArgumentException("auto-sync-lag must be positive, got " + autoSyncLagBytes);
    }
    if (autoAsyncWait == null || autoAsyncWait.isNegative() || autoAsyncWait.isZero()) {
      throw new IllegalArgumentException("auto-async-wait must be positive");
    }
    if (balloonFloorBytesPerSecond < (1 << 20)) {
      throw new IllegalArgumentException("balloon-floor must be at least 1M (bytes per second) so a throttled "
          + "guest never hangs, got " + balloonFloorBytesPerSecond);
    }
  }

  public static SiteSettings defaults() {
    return new SiteSettings(Duration.ofMillis(5), 1L << 20, Duration.ofMillis(200), 4L << 20, null);
  }

  public double syncBoundMillis() {
    return syncBound.toNanos() / 1e6;
  }

  /**
   * A simulated wide-area link between sites, for tests on one machine: every message a node sends
   * to a node of another site (replication, door forwarding, round-trip probes) is held back by
   * {@code delay}, which adds that much to each round trip, and the bytes to one such node pass at
   * most at {@code bytesPerSecond} (0 = no cap).
   */
  public record SimulatedWan(Duration delay, long bytesPerSecond) {
    public SimulatedWan {
      if (delay == null || delay.isNegative() || delay.compareTo(Duration.ofSeconds(1)) > 0) {
        throw new IllegalArgumentException("simulated-wan delay must be 0..1s, got " + delay);
      }
      if (bytesPerSecond < 0) {
        throw new IllegalArgumentException("simulated-wan rate must not be negative");
      }
    }
  }
}
