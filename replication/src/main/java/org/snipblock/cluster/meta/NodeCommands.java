package org.snipblock.cluster.meta;

import static org.snipblock.cluster.meta.MetadataState.ok;
import static org.snipblock.cluster.meta.MetadataState.refuse;

import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.MetaResult;
import org.snipblock.cluster.proto.NodeRecord;
import java.util.Set;
import org.snipblock.cluster.proto.ReportUsage;
import org.snipblock.cluster.proto.SetNodeState;
import org.snipblock.store.VolumeAdminException.Reason;

/** Handlers of the commands about nodes: registration, usage reports, drain state, removal. */
final class NodeCommands {
  static final String DRAINING = "DRAINING";
  static final String DRAINED = "DRAINED";
  private static final Set<String> STATES = Set.of("", DRAINING, DRAINED);

  private NodeCommands() {}

  static MetaResult register(MetaCommand cmd, MetadataState s) {
    NodeRecord n = cmd.getRegisterNode().getNode();
    if (n.getId().isEmpty()) {
      return refuse(Reason.INVALID_ARGUMENT, "node id missing");
    }
    if (s.removed.containsKey(n.getId()) && !n.getJoining()) {
      return refuse(Reason.CONFLICT, "node " + n.getId() + " was removed from the cluster (cluster remove-node "
          + n.getId() + ") and does not rejoin on its own: to add it again, start it on an empty data directory "
          + "with --join naming members of the cluster (not itself)");
    }
    s.removed.remove(n.getId());
    n = n.toBuilder().clearJoining().build();
    NodeRecord old = s.nodes.get(n.getId());
    if (old != null && !old.getMember().equals(n.getMember())) {
      return refuse(Reason.ALREADY_EXISTS, "node id " + n.getId() + " is already used by the member at "
          + old.getMember() + "; node ids must be unique in the cluster");
    }
    // A restart registers again: what the operator asked of the node (a drain) stays, and so do its
    // portal group and announced portal.
    NodeRecord kept = PortalGroups.registered(s.nodes, old, n);
    // Its last seen process too: PowerCycles tells a whole-cluster restart by it.
    s.nodes.put(n.getId(), old == null ? kept : kept.toBuilder().setDrainState(old.getDrainState())
        .setIncarnation(old.getIncarnation()).build());
    return ok();
  }

  static MetaResult setState(MetaCommand cmd, MetadataState s) {
    SetNodeState c = cmd.getSetNodeState();
    NodeRecord n = s.node(c.getId());
    if (!STATES.contains(c.getDrainState())) {
      return refuse(Reason.INVALID_ARGUMENT, "unknown node state '" + c.getDrainState()
          + "': expected DRAINING, DRAINED or none");
    }
    if (c.getDrainState().equals(DRAINED)) {
      CopyMoves.refuseIfHolding(s, c.getId());
    }
    s.nodes.put(n.getId(), n.toBuilder().setDrainState(c.getDrainState()).build());
    return ok();
  }

  static MetaResult remove(MetaCommand cmd, MetadataState s) {
    String id = cmd.getRemoveNode().getId();
    s.node(id);
    CopyMoves.refuseIfHolding(s, id);
    NodeRecord n = s.nodes.remove(id);
    s.removed.put(id, NodeRecord.newBuilder().setId(id).setMember(n.getMember()).setLocation(n.getLocation())
        .setRemoved(true).build());
    return ok();
  }

  static MetaResult reportStoreIo(MetaCommand cmd, MetadataState s) {
    NodeRecord n = s.node(cmd.getReportStoreIo().getId());
    s.nodes.put(n.getId(), n.toBuilder().setStoreIo(cmd.getReportStoreIo().getLoad()).build());
    return ok();
  }

  static MetaResult reportMoveProgress(MetaCommand cmd, MetadataState s) {
    NodeRecord n = s.node(cmd.getReportMoveProgress().getId());
    s.nodes.put(n.getId(), n.toBuilder().clearMoveProgress().addAllMoveProgress(cmd.getReportMoveProgress()
        .getMovesList()).build());
    return ok();
  }

  static MetaResult reportUsage(MetaCommand cmd, MetadataState s) {
    ReportUsage u = cmd.getReportUsage();
    NodeRecord.Builder n = s.node(u.getId()).toBuilder().setCapacityBytes(u.getCapacityBytes())
        .setUsedBytes(u.getUsedBytes()).setLoad(u.getLoad()).clearRttMillis().putAllRttMillis(u.getRttMillisMap())
        .setReportedAtMillis(u.getReportedAtMillis()).clearBackground();
    if (u.hasBackground()) {
      n.setBackground(u.getBackground());
    }
    s.nodes.put(u.getId(), n.build());
    return ok();
  }
}
