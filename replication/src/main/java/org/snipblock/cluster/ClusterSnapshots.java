package org.snipblock.cluster;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.snipblock.cluster.replica.ReplicatedBlockDevice;
import org.snipblock.store.SnapshotInfo;
import org.snipblock.store.SnapshotManager;
import org.snipblock.store.SnapshotNames;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;
import org.snipblock.store.VolumeManager;

/**
 * Snapshots of clustered volumes. A snapshot is one op of the volume's replication stream, so every
 * copy takes it at the same point: the primary sequences it like a flush, and each copy (the
 * primary's included) takes it on its own store once every earlier change is applied there and
 * before any later one. A snapshot acknowledged in a sync volume is on a write quorum of copies, so
 * a failover keeps it. Any node holding a copy lists and serves the volume's snapshots (read-only,
 * and the same on every copy).
 */
public final class ClusterSnapshots implements AutoCloseable {
  private final VolumeManager local;
  // Taking a snapshot holds the store's admin lock and every stripe: never on a gRPC or event-loop thread.
  private final ExecutorService taker;

  ClusterSnapshots(String nodeId, VolumeManager local) {
    this.local = local;
    this.taker = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "cluster-snapshots-" + nodeId);
      t.setDaemon(true);
      return t;
    });
  }

  /** Takes snapshot {@code snapshot} of {@code volume} on every copy; {@code primary} is this node's device. */
  CompletableFuture<List<SnapshotInfo>> take(ReplicatedBlockDevice primary, String volume, String snapshot) {
    SnapshotNames.check(snapshot);
    if (list(volume).stream().anyMatch(s -> s.name().equals(snapshot))) {
      throw new VolumeAdminException(Reason.ALREADY_EXISTS, "volume " + volume + " already has a snapshot named "
          + snapshot);
    }
    return primary.snapshot(snapshot, () -> takeLocal(volume, snapshot))
        .thenApply(x -> list(volume).stream().filter(s -> s.name().equals(snapshot)).toList());
  }

  /** Takes the snapshot on this node's copy; one that exists already (an op sent again) is left as it is. */
  CompletableFuture<Void> takeLocal(String volume, String snapshot) {
    return CompletableFuture.runAsync(() -> {
      if (store().snapshots(volume).stream().noneMatch(s -> s.name().equals(snapshot))) {
        store().snapshot(List.of(volume), snapshot);
      }
    }, taker);
  }

  /** The volume's snapshots as this node's copy has them. */
  public List<SnapshotInfo> list(String volume) {
    if (local.show(volume).isEmpty()) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "this node holds no copy of volume " + volume
          + "; ask a node that does (its primary always does)");
    }
    return store().snapshots(volume);
  }

  private SnapshotManager store() {
    if (!(local instanceof SnapshotManager m)) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "this node's store keeps no snapshots");
    }
    return m;
  }

  @Override
  public void close() {
    taker.shutdownNow();
  }
}
