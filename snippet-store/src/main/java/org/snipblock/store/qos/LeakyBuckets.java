package org.snipblock.store.qos;

import java.util.EnumMap;
import java.util.Map;

/**
 * The fill levels of one set of limits, with QEMU's leaky-bucket model (util/throttle.c) and no
 * clock of its own: the caller says what time it is. Each bucket drains at its average rate; a
 * request may start while the bucket holds less than its size (a tenth of a second's worth, or
 * {@code burst × burst length} when a burst is set), and then adds its units (it is counted when it
 * starts, so one large request may overfill the bucket and the next ones wait longer). With a burst
 * longer than a second, a second level drains at the burst rate and caps the burst itself.
 */
final class LeakyBuckets {
  private static final double NANOS = 1e9;

  private final QosLimits limits;
  private final Map<ThrottleBucket, double[]> levels = new EnumMap<>(ThrottleBucket.class); // level, burst level
  private long last;

  /** Empty buckets (as QEMU's after a configuration change), at time {@code now}. */
  LeakyBuckets(QosLimits limits, long now) {
    this.limits = limits;
    this.last = now;
    limits.buckets().keySet().forEach(b -> levels.put(b, new double[2]));
  }

  QosLimits limits() {
    return limits;
  }

  /** Nanoseconds a request in this direction must wait from {@code now} before it may start (0: at once). */
  long waitNanos(boolean write, long now) {
    leak(now);
    double wait = 0;
    for (Map.Entry<ThrottleBucket, double[]> e : levels.entrySet()) {
      if (e.getKey().counts(write)) {
        wait = Math.max(wait, waitOf(limits.get(e.getKey()), e.getValue()));
      }
    }
    return (long) Math.ceil(wait);
  }

  /** Counts a request of {@code length} bytes that starts now. */
  void account(boolean write, long length) {
    levels.forEach((b, level) -> {
      if (b.counts(write)) {
        double units = b.units(length);
        level[0] += units;
        if (limits.get(b).longBurst()) {
          level[1] += units;
        }
      }
    });
  }

  private void leak(long now) {
    long delta = now - last;
    if (delta <= 0) {
      return;
    }
    last = now;
    levels.forEach((b, level) -> {
      BucketLimit l = limits.get(b);
      level[0] = Math.max(level[0] - l.average() * (delta / NANOS), 0);
      if (l.longBurst()) {
        level[1] = Math.max(level[1] - l.burst() * (delta / NANOS), 0);
      }
    });
  }

  private static double waitOf(BucketLimit l, double[] level) {
    double extra = level[0] - l.bucketSize();
    if (extra > 0) {
      return extra * NANOS / l.average();
    }
    if (l.longBurst()) {
      extra = level[1] - l.burstBucketSize();
      if (extra > 0) {
        return extra * NANOS / l.burst();
      }
    }
    return 0;
  }
}
