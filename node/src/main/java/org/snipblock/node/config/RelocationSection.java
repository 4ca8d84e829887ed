package org.snipblock.node.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import org.snipblock.cluster.RelocationSettings;

/**
 * The config file's {@code cluster.relocation} section: this node's relocation thresholds, how a
 * relocated copy keeps in step, and the automatic rebalance margin. Each key is optional; what is
 * not given keeps {@link RelocationSettings#defaults()}. Values are checked by
 * {@link RelocationSettings}; a bad one is one error line naming the file and key.
 */
final class RelocationSection {
  @JsonProperty("capacity-threshold") String capacityThreshold;
  @JsonProperty("iops-threshold") String iopsThreshold;
  @JsonProperty("latency-p99-threshold") String latencyP99Threshold;
  @JsonProperty("move-mode") String moveMode;
  @JsonProperty("rebalance-margin") String rebalanceMargin;

  /** @param where the file and the section, for error messages */
  RelocationSettings toSettings(String where) {
    RelocationSettings d = RelocationSettings.defaults();
    int capacity = ConfigFile.ClusterModel.value(where + ".capacity-threshold",
        () -> capacityThreshold == null ? d.capacityThresholdPercent()
            : RelocationSettings.checkCapacityThreshold(wholePercent(capacityThreshold)));
    long iops = ConfigFile.ClusterModel.value(where + ".iops-threshold",
        () -> iopsThreshold == null ? d.iopsThreshold() : RelocationSettings.checkIopsThreshold(count(iopsThreshold)));
    Duration latency = ConfigFile.ClusterModel.value(where + ".latency-p99-threshold",
        () -> latencyP99Threshold == null ? d.latencyP99Threshold()
            : RelocationSettings.checkLatencyThreshold(DurationText.parse(latencyP99Threshold)));
    RelocationSettings.MoveMode mode = ConfigFile.ClusterModel.value(where + ".move-mode",
        () -> moveMode == null ? d.moveMode() : RelocationSettings.MoveMode.parse(moveMode));
    double margin = ConfigFile.ClusterModel.value(where + ".rebalance-margin",
        () -> rebalanceMargin == null ? d.rebalanceMarginPercent()
            : RelocationSettings.checkRebalanceMargin(percent(rebalanceMargin)));
    return new RelocationSettings(capacity, iops, latency, mode, margin);
  }

  /** 80% or 80; a whole number. */
  static int wholePercent(String text) {
    String t = withoutPercentSign(text);
    if (!t.matches("[0-9]{1,3}")) {
      throw new IllegalArgumentException("invalid percentage '" + text + "': expected a whole number like 80%");
    }
    return Integer.parseInt(t);
  }

  /** 10%, 0.5% or 10; a decimal number. */
  static double percent(String text) {
    String t = withoutPercentSign(text);
    if (!t.matches("[0-9]{1,3}(\\.[0-9]{1,3})?")) {
      throw new IllegalArgumentException("invalid percentage '" + text + "': expected a number like 10% or 0.5%");
    }
    return Double.parseDouble(t);
  }

  /** 5000; operations per second, a whole number. */
  static long count(String text) {
    String t = text.trim();
    if (!t.matches("[0-9]{1,9}")) {
      throw new IllegalArgumentException("invalid operations per second '" + text + "': expected a whole number "
          + "like 5000");
    }
    return Long.parseLong(t);
  }

  private static String withoutPercentSign(String text) {
    String t = text.trim();
    return t.endsWith("%") ? t.substring(0, t.length() - 1).trim() : t;
  }
}
