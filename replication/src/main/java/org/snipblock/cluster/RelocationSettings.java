package org.snipblock.cluster;

import java.time.Duration;
import java.util.Locale;

/**
 * When this node sheds snippet copies, how a relocation's copy is kept in step, and when the
 * cluster evens itself out: the one place these settings are declared and checked (the config
 * file's {@code cluster.relocation} section is parsed into this).
 *
 * @param capacityThresholdPercent above this percent of its capacity used, the node moves copies
 *                                 away (1..99; 0 = never)
 * @param iopsThreshold            above this many I/O operations per second served from its store,
 *                                 the node moves copies away (0 = never)
 * @param latencyP99Threshold      above this 99th percentile of its store's I/O latency, the node
 *                                 moves copies away (zero = never; at most 60 s)
 * @param moveMode                 how a relocated copy is brought in step: chosen by the measured
 *                                 round trip to its target, or enforced by the operator
 * @param rebalanceMarginPercent   the leader moves copies toward even fullness on its own once the
 *                                 fullest and emptiest nodes in service differ by more than this many
 *                                 percentage points of capacity (0 = only when the operator asks;
 *                                 at most 100)
 */
public record RelocationSettings(int capacityThresholdPercent, long iopsThreshold, Duration latencyP99Threshold,
    MoveMode moveMode, double rebalanceMarginPercent) {

  /** How a relocation's new copy is kept in step with the primary while it moves. */
  public enum MoveMode {
    /** By the measured round trip from the primary to the target: sync within the sync bound, else async. */
    AUTO,
    /** Every write waits for the new copy too once it is in sync (the copy is never behind when it takes over). */
    SYNC,
    /** The new copy follows behind the primary; it takes over once it has caught up. */
    ASYNC;

    /** auto, sync or async; anything else is refused naming the choices. */
    public static MoveMode parse(String text) {
      try {
        return valueOf(text.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException | NullPointerException e) {
        throw new IllegalArgumentException("invalid move mode '" + text + "': expected auto, sync or async");
      }
    }
  }

  public static final double DEFAULT_REBALANCE_MARGIN = 10;
  private static final Duration MAX_LATENCY = Duration.ofSeconds(60);

  /** No relocation thresholds; the default rebalance margin; move mode by round trip. */
  public static RelocationSettings defaults() {
    return new RelocationSettings(0, 0, Duration.ZERO, MoveMode.AUTO, DEFAULT_REBALANCE_MARGIN);
  }

  public RelocationSettings {
    checkCapacityThreshold(capacityThresholdPercent);
    checkIopsThreshold(iopsThreshold);
    checkLatencyThreshold(latencyP99Threshold);
    if (moveMode == null) {
      throw new IllegalArgumentException("move mode missing: expected auto, sync or async");
    }
    checkRebalanceMargin(rebalanceMarginPercent);
  }

  // One rule per setting, wherever it is given (the config file names the key at fault).

  public static int checkCapacityThreshold(int percent) {
    if (percent < 0 || percent > 99) {
      throw new IllegalArgumentException("capacity threshold must be 1..99 percent (0 = never relocate), not "
          + percent);
    }
    return percent;
  }

  public static long checkIopsThreshold(long iops) {
    if (iops < 0) {
      throw new IllegalArgumentException("IOPS threshold must be a positive number of operations per second "
          + "(0 = never relocate), not " + iops);
    }
    return iops;
  }

  public static Duration checkLatencyThreshold(Duration p99) {
    if (p99 == null || p99.isNegative() || p99.compareTo(MAX_LATENCY) > 0) {
      throw new IllegalArgumentException("latency p99 threshold must be above 0 and at most 60s (0 = never "
          + "relocate), not " + (p99 == null ? "missing" : p99.toMillis() + "ms"));
    }
    return p99;
  }

  public static double checkRebalanceMargin(double percent) {
    if (!(percent >= 0 && percent <= 100)) {
      throw new IllegalArgumentException("rebalance margin must be 0..100 percentage points of capacity (0 = only "
          + "cluster rebalance), not " + percent);
    }
    return percent;
  }

  /** These settings with another capacity threshold. */
  public RelocationSettings withCapacityThreshold(int percent) {
    return new RelocationSettings(percent, iopsThreshold, latencyP99Threshold, moveMode, rebalanceMarginPercent);
  }

  /** These settings with another rebalance margin. */
  public RelocationSettings withRebalanceMargin(double percent) {
    return new RelocationSettings(capacityThresholdPercent, iopsThreshold, latencyP99Threshold, moveMode, percent);
  }
}
