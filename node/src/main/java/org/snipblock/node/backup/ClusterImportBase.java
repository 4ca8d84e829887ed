package org.snipblock.node.backup;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.snipblock.cluster.ClusterNode;
import org.snipblock.store.SnapshotInfo;

/**
 * Imports into a clustered volume go through its primary: the stream's extents are written through
 * the node's door (replicated like any write), and the imported snapshot is one op of the volume's
 * stream carrying the reproduced snapshot's id, so every copy records it as its origin. Asked of a
 * node that is not the volume's primary, the import is refused before anything is written.
 */
public final class ClusterImportBase implements ImportBase {
  private final ClusterNode cluster;

  public ClusterImportBase(ClusterNode cluster) {
    this.cluster = cluster;
  }

  @Override
  public List<SnapshotInfo> snapshots(String volume) {
    cluster.snapshots().requirePrimary(volume);
    return cluster.snapshots().list(volume);
  }

  @Override
  public void snapshotImported(String volume, String snapshot, long origin) {
    join(cluster.snapshots().take(volume, snapshot, origin));
  }

  @Override
  public boolean changedSince(String volume, String snapshot) {
    return !cluster.snapshots().completeCopy(volume).diff(volume, snapshot, null).isEmpty();
  }

  @Override
  public void rollback(String volume, String snapshot) {
    join(cluster.snapshots().rollback(volume, snapshot, true));
  }

  private static <T> T join(CompletableFuture<T> f) {
    try {
      return f.join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }
}
