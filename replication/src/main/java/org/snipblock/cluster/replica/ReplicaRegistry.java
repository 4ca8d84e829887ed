package org.snipblock.cluster.replica;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/** What a primary needs from the cluster about its replicas. */
public interface ReplicaRegistry {

  /**
   * Records durably (a metadata commit) that a holder's copies of the given snippets (all it holds
   * if none are given) are stale (it missed changes) or in sync again. Fails if this primary's
   * epoch is no longer current.
   */
  CompletableFuture<Void> markStale(String volume, long epoch, String node, boolean stale, List<Long> snippets);

  /** Completes if, in the committed metadata, this node is the volume's primary at this epoch. */
  CompletableFuture<Void> confirmPrimary(String volume, long epoch);

  /** True if the node is in this node's membership view now. */
  boolean reachable(String node);

  /**
   * False while {@code node}'s copy of a clone's parent is being brought in sync there: the clone's
   * resync to that node waits for it, so what the clone has not written reads the parent's data
   * there through the local clone instead of being copied in full. True for a volume without a
   * parent, a clone being flattened, or where the node holds no copy of the parent.
   */
  default boolean parentReady(org.snipblock.cluster.proto.VolumeRecord volume, String node) {
    return true;
  }
}
