package org.snipblock.cluster;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.topology.Location;
import org.snipblock.cluster.topology.NodeDescriptor;
import org.snipblock.cluster.topology.NodeState;

/**
 * A node's state as placement and {@code cluster status} see it: DOWN when out of this node's
 * membership view; else what the operator asked (DRAINING, DRAINED); else UP. Only UP nodes
 * receive copies. (A member in the view that has not registered yet is JOINING; it has no record.)
 */
public final class NodeStates {
  private NodeStates() {}

  public static NodeState of(NodeRecord n, Set<String> view) {
    if (!view.contains(n.getMember())) {
      return NodeState.DOWN;
    }
    return n.getDrainState().isEmpty() ? NodeState.UP : NodeState.valueOf(n.getDrainState());
  }

  public static List<NodeDescriptor> descriptors(Collection<NodeRecord> nodes, Set<String> view) {
    List<NodeDescriptor> out = new ArrayList<>();
    for (NodeRecord n : nodes) {
      out.add(new NodeDescriptor(n.getId(), Location.parse(n.getLocation()), of(n, view),
          n.getCapacityBytes(), n.getUsedBytes(), n.getLoad()));
    }
    return out;
  }
}
