package org.snipblock.cluster.follow;

/**
 * Storage ballooning for a volume that catches up: while its lag does not shrink, the write rate
 * at the primary is lowered (to half of what the link takes, or half of the current limit when
 * the link is not measured yet), never below the floor; while the lag shrinks, the limit is
 * raised by a fifth; once the lag is within the catch-up bound the throttle is released. While a
 * migration builds the volume's copies, the same policy acts on what remains to send to them
 * instead of the lag ({@link CopyBallooning}).
 */
final class Balloon {
  private final long floor;
  private final long doneLag;

  Balloon(SiteSettings settings) {
    this.floor = settings.balloonFloorBytesPerSecond();
    this.doneLag = settings.autoSyncLagBytes();
  }

  /** What to do with the throttle after this tick. */
  sealed interface Step permits Release, Limit, Keep {}

  /** The lag converged: lift the limit, the catch-up is over. */
  record Release() implements Step {}

  record Limit(long bytesPerSecond, boolean lowered) implements Step {}

  record Keep() implements Step {}

  /** A catch-up's step: the measure that must shrink is the lag. @param current the throttle's rate now, 0 when off */
  Step step(LinkGauge g, long current) {
    return step(g.lag(), g.previousLag(), g, current);
  }

  /**
   * @param backlog  what replication must work off, now ({@code previous}: a tick ago)
   * @param current the throttle's rate now, 0 when off
   */
  Step step(long backlog, long previous, LinkGauge g, long current) {
    if (backlog <= doneLag) {
      return new Release();
    }
    if (backlog >= previous) {
      double base = !Double.isNaN(g.linkRate()) ? g.linkRate() : current > 0 ? current : g.writeRate();
      long target = Math.max(floor, (long) (base / 2));
      return current == 0 || target < current ? new Limit(target, true) : new Keep();
    }
    return current == 0 ? new Keep() : new Limit(Math.max(floor, current + current / 5), false);
  }
}
