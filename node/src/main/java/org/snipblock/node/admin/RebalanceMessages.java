package org.snipblock.node.admin;

import org.snipblock.cluster.Rebalancer;
import org.snipblock.node.admin.v1.NodeFill;
import org.snipblock.node.admin.v1.RebalanceMove;
import org.snipblock.node.admin.v1.RebalanceProgress;

/** A rebalance's plan and progress as an admin API message. */
final class RebalanceMessages {
  private RebalanceMessages() {}

  static RebalanceProgress of(Rebalancer.Progress p) {
    RebalanceProgress.Builder b = RebalanceProgress.newBuilder().setState(p.state().name());
    p.steps().forEach(s -> b.addMoves(RebalanceMove.newBuilder().setVolume(s.move().volume())
        .setEntry(s.move().entry()).setFrom(s.move().from()).setTo(s.move().to()).setBytes(s.move().bytes())
        .setState(s.state()).setWhy(s.why())));
    p.nodes().forEach(n -> b.addNodes(NodeFill.newBuilder().setNode(n.node()).setCapacityBytes(n.capacityBytes())
        .setPlacedBytes(Math.max(0, n.placedBytes())).setPlannedBytes(Math.max(0, n.plannedBytes()))));
    return b.build();
  }
}
