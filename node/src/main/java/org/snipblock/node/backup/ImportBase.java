package org.snipblock.node.backup;

import java.util.List;
import org.snipblock.store.SnapshotInfo;
import org.snipblock.store.SnapshotManager;

/**
 * What an import needs of the target volume's snapshots: find the stream's base, check the volume
 * has not changed since it, take the imported snapshot, and undo a failed incremental import. On a
 * standalone node that is its store; on a cluster, the volume's primary ({@link ClusterImportBase}).
 */
public interface ImportBase {
  /** The volume's snapshots, oldest first; refuses (one line) if this node cannot import into it. */
  List<SnapshotInfo> snapshots(String volume);

  /** Takes snapshot {@code snapshot} recording {@code origin}, the id of the snapshot the stream reproduced. */
  void snapshotImported(String volume, String snapshot, long origin);

  /** Whether the volume's content differs from snapshot {@code snapshot}'s now. */
  boolean changedSince(String volume, String snapshot);

  /** Makes the volume's content snapshot {@code snapshot}'s again, disconnecting its clients (a failed import's undo). */
  void rollback(String volume, String snapshot);

  /** A standalone node's store. */
  static ImportBase of(SnapshotManager store) {
    return new ImportBase() {
      @Override
      public List<SnapshotInfo> snapshots(String volume) {
        return store.snapshots(volume);
      }

      @Override
      public void snapshotImported(String volume, String snapshot, long origin) {
        store.snapshotImported(volume, snapshot, origin);
      }

      @Override
      public boolean changedSince(String volume, String snapshot) {
        return !store.diff(volume, snapshot, null).isEmpty();
      }

      @Override
      public void rollback(String volume, String snapshot) {
        store.rollback(volume, snapshot, true);
      }
    };
  }
}
