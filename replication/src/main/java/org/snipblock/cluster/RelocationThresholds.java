package org.snipblock.cluster;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.proto.StoreIoLoad;
import org.snipblock.cluster.topology.NodeDescriptor;
import org.snipblock.cluster.topology.NodeState;

/**
 * A node's relocation thresholds read against what it uses: capacity (its reported used bytes),
 * IOPS and latency p99 (its store's measured I/O). Relocation sheds copies off a node over one, and
 * neither relocation nor the automatic rebalance puts a copy on a node a copy would put over one.
 */
final class RelocationThresholds {
  private RelocationThresholds() {}

  /**
   * Which threshold the node is over, as a phrase for the log, or null when none.
   *
   * @param extraBytes bytes it would take on besides what it uses (0 for itself)
   * @param io         its store's I/O, measured here for this node, as last reported for others
   */
  static String over(NodeRecord n, long extraBytes, StoreIoLoad io) {
    if (n.getCapacityThresholdPercent() > 0 && n.getCapacityBytes() > 0
        && (n.getUsedBytes() + extraBytes) * 100 > (long) n.getCapacityThresholdPercent() * n.getCapacityBytes()) {
      return "capacity threshold (" + n.getUsedBytes() + " of " + n.getCapacityBytes() + " bytes used, threshold "
          + n.getCapacityThresholdPercent() + "%)";
    }
    if (n.getIopsThreshold() > 0 && io.getIops() > n.getIopsThreshold()) {
      return "IOPS threshold (" + Math.round(io.getIops()) + " operations per second, threshold "
          + n.getIopsThreshold() + ")";
    }
    if (n.getLatencyP99ThresholdMicros() > 0 && io.getLatencyP99Micros() > n.getLatencyP99ThresholdMicros()) {
      return "latency threshold (p99 " + io.getLatencyP99Micros() + " µs, threshold "
          + n.getLatencyP99ThresholdMicros() + " µs)";
    }
    return null;
  }

  /** The nodes as placement sees them, those a copy of {@code bytes} would put over a threshold taking none. */
  static List<NodeDescriptor> targets(List<NodeDescriptor> nodes, Collection<NodeRecord> records, long bytes) {
    return setAside(nodes, records, r -> over(r, bytes, r.getStoreIo()) != null);
  }

  /**
   * For automatic rebalancing: a node whose store I/O is above half of one of its I/O thresholds
   * neither gives nor takes copies. Relocation sheds copies off a hot node, which leaves it the
   * emptiest; without this margin the rebalancer would refill it as soon as one measuring window
   * came out under the threshold, and the two would pass copies back and forth while the load lasts.
   */
  static List<NodeDescriptor> calm(List<NodeDescriptor> nodes, Collection<NodeRecord> records) {
    return setAside(nodes, records, r -> warm(r, r.getStoreIo()));
  }

  /** The nodes, those UP whose record meets {@code aside} shown as DRAINING: placement neither gives them nor takes from them. */
  private static List<NodeDescriptor> setAside(List<NodeDescriptor> nodes, Collection<NodeRecord> records,
      java.util.function.Predicate<NodeRecord> aside) {
    Map<String, NodeRecord> byId = records.stream().collect(Collectors.toMap(NodeRecord::getId, Function.identity()));
    return nodes.stream().map(d -> {
      NodeRecord r = byId.get(d.id());
      return d.state() == NodeState.UP && r != null && aside.test(r) ? d.withState(NodeState.DRAINING) : d;
    }).toList();
  }

  /** Above one of its I/O thresholds (IOPS, latency p99), whatever its capacity. */
  static boolean overIo(NodeRecord n, StoreIoLoad io) {
    return over(n.toBuilder().setCapacityThresholdPercent(0).build(), 0, io) != null;
  }

  /** Above half of one of its I/O thresholds: it neither gives nor takes copies nor primaries on its own. */
  static boolean warm(NodeRecord n, StoreIoLoad io) {
    return (n.getIopsThreshold() > 0 && io.getIops() * 2 > n.getIopsThreshold())
        || (n.getLatencyP99ThresholdMicros() > 0 && io.getLatencyP99Micros() * 2 > n.getLatencyP99ThresholdMicros());
  }
}
