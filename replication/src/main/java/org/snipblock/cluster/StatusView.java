package org.snipblock.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.snipblock.cluster.membership.ClusterMembership;
import org.snipblock.cluster.meta.ClusterMetadata;
import org.snipblock.cluster.proto.NodeBackground;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.topology.NodeState;
import org.snipblock.store.qos.BackgroundBudget;

/** Builds {@link ClusterStatus} from this node's metadata and membership view. */
final class StatusView {
  private StatusView() {}

  static ClusterStatus of(String self, ClusterMetadata metadata, ClusterMembership membership, NodeReports reports,
      boolean inMajority) {
    Set<String> view = membership.view();
    Map<String, String> idByMember = reports.idByMember();
    List<NodeRecord> nodes = metadata.nodes();
    Map<String, Map<String, Double>> rtt = new TreeMap<>();
    for (NodeRecord n : nodes) {
      rtt.put(n.getId(), new TreeMap<>(n.getRttMillisMap()));
    }
    rtt.put(self, new TreeMap<>(reports.rttById(idByMember)));
    List<ClusterStatus.Node> shown = new ArrayList<>(nodes.stream().map(n -> new ClusterStatus.Node(n.getId(),
        n.getLocation(), n.getMember(), n.getDataAddress(), NodeStates.of(n, view).name(), n.getCapacityBytes(),
        n.getUsedBytes(), n.getLoad(), n.getReportedAtMillis(), n.getCapacityThresholdPercent(), n.getIopsThreshold(),
        n.getLatencyP99ThresholdMicros(), n.getStoreIo().getIops(), n.getStoreIo().getLatencyP99Micros(),
        n.hasBackground() ? background(n.getBackground()) : null)).toList());
    view.stream().filter(m -> !idByMember.containsKey(m)).sorted().forEach(m -> shown.add(
        new ClusterStatus.Node(m, "", m, "", NodeState.JOINING.name(), 0, 0, 0, 0, 0, 0, 0, 0, 0, null)));
    List<ClusterStatus.Move> moving = RunningMoves.all(metadata);
    String leader = membership.leader();
    return new ClusterStatus(self, leader == null ? null : idByMember.getOrDefault(leader, leader),
        membership.term(), inMajority, shown, rtt, moving);
  }

  static BackgroundBudget.State background(NodeBackground b) {
    return new BackgroundBudget.State(b.getRateBytesPerSecond(), b.getFloorBytesPerSecond(), b.getMaxBytesPerSecond(),
        b.getActive(), b.getClientsBusy(), b.getWaiting(), b.getGrantedBytes());
  }
}
