package org.snipblock.cluster;

import java.util.List;
import java.util.Map;

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
    Map<String, Map<String, Double>> rttMillis) {

  /**
   * @param state UP when in this node's membership view, DOWN otherwise
   * @param load  recent load reported by the node (0 idle, 1 saturated)
   */
  public record Node(String id, String location, String member, String dataAddress, String state,
      long capacityBytes, long usedBytes, double load, long reportedAtMillis) {}
}
