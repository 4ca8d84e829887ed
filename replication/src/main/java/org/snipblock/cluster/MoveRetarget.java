package org.snipblock.cluster;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.snipblock.cluster.meta.Clones;
import org.snipblock.cluster.meta.Stripes;
import org.snipblock.cluster.proto.CopyMoving;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.proto.RetargetMove;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.topology.Location;
import org.snipblock.cluster.topology.NodeDescriptor;
import org.snipblock.cluster.topology.NodeState;
import org.snipblock.cluster.topology.PlacementException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's re-planning of a copy move whose target is gone: the placement policy chooses
 * another node for the stripe (as relocation would: none a copy puts over a threshold, among the
 * nodes of the gone target's site, so a move into a site stays one), and the move goes on there in
 * one metadata step. While placement accepts none, the move is left as it is: the target coming
 * back resumes it, and a node joining (or coming back in service) lets it go on elsewhere.
 */
final class MoveRetarget {
  private static final Logger log = LoggerFactory.getLogger(MoveRetarget.class);

  private final ClusterNode node;
  // Moves already logged as waiting, so the 500 ms rounds log it once.
  private final Set<String> waiting = new HashSet<>();

  MoveRetarget(ClusterNode node) {
    this.node = node;
  }

  static String key(VolumeRecord v, CopyMoving c) {
    return v.getName() + "/" + c.getSnippet() + "/" + c.getFrom() + "/" + c.getTo();
  }

  /** Retargets the move if placement accepts another node now; else leaves it waiting for its target. */
  void elsewhere(VolumeRecord v, CopyMoving c) {
    int stripe = (int) c.getSnippet();
    List<String> holders = new ArrayList<>(v.getSnippets(stripe).getNodesList());
    holders.remove(c.getTo());
    String site = node.metadata().node(c.getTo()).map(n -> Location.parse(n.getLocation()).site()).orElse(null);
    List<NodeDescriptor> nodes = RelocationThresholds.targets(node.volumes().descriptors(), node.metadata().nodes(),
        Stripes.bytesOf(v, stripe)).stream()
        .map(d -> site != null && d.state() == NodeState.UP && !d.location().site().equals(site)
            ? d.withState(NodeState.DRAINING) : d).toList();
    Map<String, Double> rtt = node.metadata().node(v.getPrimary()).map(NodeRecord::getRttMillisMap).orElse(Map.of());
    String to;
    try {
      to = node.placement().move(nodes, Drainer.request(v), List.of(holders), c.getFrom(), rtt,
          Clones.parentHolders(v, stripe, node.metadata()::volume));
    } catch (PlacementException e) {
      if (waiting.add(key(v, c))) {
        log.info("volume {} stripe {}: the target {} of the move from {} is gone and no other node can take the copy "
            + "now ({}); the move waits: its target coming back resumes it", v.getName(), stripe, c.getTo(),
            c.getFrom(), e.getMessage());
      }
      return;
    }
    log.info("volume {} stripe {}: the target {} of the move from {} is gone; the move goes on to {}", v.getName(),
        stripe, c.getTo(), c.getFrom(), to);
    node.commit(MetaCommand.newBuilder().setRetargetMove(RetargetMove.newBuilder().setName(v.getName())
        .setSnippet(stripe).setFrom(c.getFrom()).setTo(c.getTo()).setNewTo(to)
        .setStartedMillis(System.currentTimeMillis())).build());
  }

  /** Forgets what it logged about moves no longer under way. */
  void forgetAllBut(Set<String> keys) {
    waiting.retainAll(keys);
  }
}
