package org.snipblock.cluster;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;
import org.snipblock.cluster.membership.ClusterMembership;
import org.snipblock.cluster.meta.ClusterMetadata;
import org.snipblock.cluster.meta.StaleCopies;
import org.snipblock.cluster.proto.ConfirmPrimary;
import org.snipblock.cluster.proto.MarkStale;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.replica.ReplicaRegistry;

/** What this node's primaries (and its own copies) record in, and ask of, the cluster metadata. */
final class NodeRegistry implements ReplicaRegistry {
  private final String nodeId;
  private final ClusterMetadata metadata;
  private final Supplier<ClusterMembership> membership;
  /** Commits off the caller's thread (callers may be on a gRPC or raft thread). */
  private final Function<MetaCommand, CompletableFuture<Void>> commitAsync;

  NodeRegistry(String nodeId, ClusterMetadata metadata, Supplier<ClusterMembership> membership,
      Function<MetaCommand, CompletableFuture<Void>> commitAsync) {
    this.nodeId = nodeId;
    this.metadata = metadata;
    this.membership = membership;
    this.commitAsync = commitAsync;
  }

  @Override
  public CompletableFuture<Void> markStale(String volume, long epoch, String node, boolean stale,
      List<Long> snippets) {
    return commitAsync.apply(MetaCommand.newBuilder().setMarkStale(MarkStale.newBuilder().setName(volume)
        .setEpoch(epoch).setNode(node).setStale(stale).addAllSnippets(snippets)).build());
  }

  @Override
  public CompletableFuture<Void> confirmPrimary(String volume, long epoch) {
    return commitAsync.apply(MetaCommand.newBuilder().setConfirmPrimary(ConfirmPrimary.newBuilder().setName(volume)
        .setEpoch(epoch).setNode(nodeId)).build());
  }

  @Override
  public boolean parentReady(VolumeRecord volume, String node) {
    if (volume.getParent().isEmpty() || volume.getFlattening()) {
      // A clone being flattened stops reading its parent: nothing to share, nothing to wait for.
      return true;
    }
    return metadata.volume(volume.getParent()).filter(p -> p.getUid() == volume.getParentUid())
        .map(p -> !StaleCopies.anywhere(p, node)).orElse(true);
  }

  @Override
  public boolean reachable(String node) {
    // None is before this node joined the cluster channel, and the doors may already ask.
    ClusterMembership m = membership.get();
    return m != null && metadata.node(node).map(n -> m.view().contains(n.getMember())).orElse(false);
  }
}
