package org.snipblock.cluster.follow;

import java.util.Map;

/**
 * What a primary's replication did over the last tick, smoothed: how fast the volume is written,
 * how fast its slowest replica takes the stream when the stream is backlogged (the link's
 * capacity; unknown until it has been backlogged once), and the lag now and a tick ago.
 */
final class LinkGauge {
  private static final double WEIGHT = 0.5;

  private long lastNanos;
  private long lastWritten = -1;
  private Map<String, long[]> lastProgress = Map.of();
  private double writeRate;
  private double linkRate = Double.NaN;
  private long lag;
  private long previousLag;
  private boolean backlogged;

  /** Takes one sample: bytes written so far, and per replica {unacknowledged, acknowledged} bytes. */
  void sample(long nanos, long written, Map<String, long[]> progress) {
    previousLag = lag;
    String slowest = null;
    long worst = 0;
    for (Map.Entry<String, long[]> e : progress.entrySet()) {
      if (e.getValue()[0] >= worst) {
        worst = e.getValue()[0];
        slowest = e.getKey();
      }
    }
    lag = worst;
    if (lastWritten >= 0 && nanos > lastNanos) {
      double seconds = (nanos - lastNanos) / 1e9;
      writeRate = smooth(writeRate, (written - lastWritten) / seconds);
      long[] before = slowest == null ? null : lastProgress.get(slowest);
      // Only a stream that had a backlog all along shows what the link can take.
      backlogged = before != null && before[0] > 0 && worst > 0;
      if (backlogged) {
        double taken = (progress.get(slowest)[1] - before[1]) / seconds;
        linkRate = Double.isNaN(linkRate) ? taken : smooth(linkRate, taken);
      }
    }
    lastNanos = nanos;
    lastWritten = written;
    lastProgress = Map.copyOf(progress);
  }

  private static double smooth(double old, double sample) {
    return old * (1 - WEIGHT) + sample * WEIGHT;
  }

  double writeRate() {
    return writeRate;
  }

  /** Bytes per second the slowest replica took while backlogged; NaN until measured. */
  double linkRate() {
    return linkRate;
  }

  long lag() {
    return lag;
  }

  long previousLag() {
    return previousLag;
  }
}
