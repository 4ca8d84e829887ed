package org.snipblock.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.proto.RemoveNode;
import org.snipblock.cluster.proto.SetNodeState;
import org.snipblock.cluster.proto.SnippetPlacement;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.topology.NodeDescriptor;
import org.snipblock.cluster.topology.NodeState;
import org.snipblock.cluster.topology.PlacementException;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;

/**
 * The operator's side of taking a node out of service, on any node: {@code node drain} (checked
 * first: the rest of the cluster must be able to hold every copy under its volume's policy),
 * {@code node undrain}, the drain's progress, and {@code cluster remove-node}. The moves
 * themselves are made by the draining node ({@link Drainer}).
 */
public final class NodeDrain {
  private static final Duration VOTER_CHANGE = Duration.ofSeconds(10);
  private final ClusterNode node;

  NodeDrain(ClusterNode node) {
    this.node = node;
  }

  /** What is left on a node: primaries it serves, copies it holds, copies on their way off it. */
  public record Progress(String node, String state, int primaries, int copies, List<ClusterStatus.Move> moving) {
    public boolean empty() {
      return primaries == 0 && copies == 0;
    }
  }

  /** Puts the node on record as DRAINING; refused (nothing changed) when the others cannot take what it holds. */
  public Progress drain(String id) {
    NodeRecord n = known(id);
    NodeState state = NodeStates.of(n, node.view());
    if (state == NodeState.DOWN) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "node " + id + " is down: it cannot hand over "
          + "what it holds (the caretaker re-replicates its copies); remove it with cluster remove-node " + id
          + " once it holds nothing");
    }
    if (state == NodeState.DRAINED || state == NodeState.DRAINING) {
      // Checked when it began: asking again (another operator, a command that stopped waiting)
      // follows it. Checked now, its own moves under way would count against it.
      return progress(id);
    }
    List<NodeDescriptor> others = node.volumes().descriptors().stream()
        .map(d -> d.id().equals(id) ? d.withState(NodeState.DRAINING) : d).toList();
    for (VolumeRecord v : node.metadata().volumes()) {
      for (int i = 0; i < v.getSnippetsCount(); i++) {
        SnippetPlacement s = v.getSnippets(i);
        if (s.getNodesList().contains(id)) {
          try {
            node.placement().move(others, Drainer.request(v), List.of(s.getNodesList()), id);
          } catch (PlacementException e) {
            throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "cannot drain " + id + ": volume "
                + v.getName() + " stripe " + i + ": " + e.getMessage());
          }
        }
      }
    }
    setState(id, NodeState.DRAINING.name());
    return progress(id, NodeState.DRAINING);
  }

  /** Puts the node back in service: it receives copies again; what moved off it stays where it went. */
  public Progress undrain(String id) {
    known(id);
    setState(id, "");
    return progress(id, NodeState.UP);
  }

  public Progress progress(String id) {
    return progress(id, null);
  }

  /** @param committed the state just committed (this node may apply it a moment later), or null */
  private Progress progress(String id, NodeState committed) {
    NodeRecord n = known(id);
    int primaries = 0;
    int copies = 0;
    List<ClusterStatus.Move> moving = new ArrayList<>();
    for (VolumeRecord v : node.metadata().volumes()) {
      primaries += v.getPrimary().equals(id) ? 1 : 0;
      copies += (int) v.getSnippetsList().stream().filter(s -> s.getNodesList().contains(id)).count();
      RunningMoves.of(v, node.metadata()).stream().filter(m -> m.from().equals(id) || m.to().equals(id))
          .forEach(moving::add);
    }
    NodeState state = NodeStates.of(n, node.view());
    return new Progress(id, (committed != null && state != NodeState.DOWN ? committed : state).name(), primaries,
        copies, moving);
  }

  /**
   * Forgets a drained or dead node for good, and takes it out of the metadata voters; refused while
   * it is up and not drained, or still holds copies. Its registration after a restart is refused.
   * Asked again for a node already forgotten, it finishes what is left (the voter's removal).
   */
  public void remove(String id) {
    Optional<NodeRecord> gone = node.metadata().removedNode(id);
    if (gone.isEmpty()) {
      NodeRecord n = known(id);
      NodeState state = NodeStates.of(n, node.view());
      if (state != NodeState.DRAINED && state != NodeState.DOWN) {
        throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "node " + id + " is " + state
            + ": drain it first (node drain " + id + "), or stop it");
      }
      node.commit(MetaCommand.newBuilder().setRemoveNode(RemoveNode.newBuilder().setId(id)).build());
      gone = Optional.of(n);
    }
    String member = gone.get().getMember();
    if (!node.membership().voters().contains(member)) {
      return;
    }
    try {
      node.membership().removeVoter(member).get(VOTER_CHANGE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new VolumeAdminException(Reason.INTERNAL, "interrupted while removing " + id + " from the voters");
    } catch (ExecutionException | TimeoutException e) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "node " + id + " is forgotten but still a "
          + "metadata voter (" + (e instanceof ExecutionException ? e.getCause() : e) + "); ask again: cluster "
          + "remove-node " + id);
    }
  }

  private NodeRecord known(String id) {
    return node.metadata().node(id).orElseThrow(() ->
        new VolumeAdminException(Reason.NOT_FOUND, "no node named " + id + " in the cluster"));
  }

  private void setState(String id, String state) {
    node.commit(MetaCommand.newBuilder().setSetNodeState(SetNodeState.newBuilder().setId(id).setDrainState(state))
        .build());
  }
}
