package org.snipblock.cluster;

import java.util.List;
import java.util.Map;
import org.snipblock.store.qos.BackgroundBudget;

/**
 * What {@code cluster status} shows: every known node and the measured round trips between them.
 *
 * @param self    the node answering
 * @param leader  node id of the metadata leader, or null when none is known (e.g. no majority)
 * @param term    raft term as this node knows it
 * @param rttMillis row = from node id, column = to node id, smoothed round trip in milliseconds
 */
public record ClusterStatus(
    String self, String leader, long term, boolean inMajority, List<Node> nodes,
    Map<String, Map<String, Double>> rttMillis, List<Move> moving) {

  /**
   * @param state UP, DOWN (out of this node's membership view), DRAINING, DRAINED, or JOINING (a
   *              member in the view not registered yet: only its member address is known)
   * @param load  recent load reported by the node (0 idle, 1 saturated)
   * @param capacityThresholdPercent relocation sheds snippets above this fill (0 = never)
   * @param iopsThreshold            ... above this many store operations per second (0 = never)
   * @param latencyP99ThresholdMicros ... above this p99 of its store's I/O latency (0 = never)
   * @param storeIops                its store's operations per second, as last measured and reported
   * @param storeLatencyP99Micros    the p99 of their latency (0: no I/O)
   * @param background               its budget for background work as last reported; null before its first report
   */
  public record Node(String id, String location, String member, String dataAddress, String state,
      long capacityBytes, long usedBytes, double load, long reportedAtMillis, int capacityThresholdPercent,
      long iopsThreshold, long latencyP99ThresholdMicros, double storeIops, long storeLatencyP99Micros,
      BackgroundBudget.State background) {}

  /**
   * A copy of a placement stripe on its way from one node to another (drain, relocation, rebalance).
   *
   * @param snippet  the stripe's index
   * @param snippets how many snippets the stripe places (what the move copies)
   * @param inSync   the target's copy is on record in sync: only the switch is left
   * @param progress the primary's resync of the target as it last reported it; null before its first report
   */
  public record Move(String volume, long snippet, String from, String to, long startedMillis, long snippets,
      boolean inSync, Progress progress) {
    /** The same move, whatever its progress. */
    public boolean same(Move other) {
      return volume.equals(other.volume) && snippet == other.snippet && from.equals(other.from) && to.equals(other.to);
    }
  }

  /**
   * How far the primary has brought a move's target: snippets compared and repaired of those its
   * resync covers (the target's stale ones), bytes sent, when it measured that.
   */
  public record Progress(long snippetsDone, long snippetsTotal, long bytesCopied, long measuredAtMillis) {}
}
