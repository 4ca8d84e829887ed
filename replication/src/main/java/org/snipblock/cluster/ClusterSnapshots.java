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
  /** The volume's replicated device if this node is its serving primary; else refuses naming the primary. */
  private final java.util.function.Function<String, ReplicatedBlockDevice> primary;
  // Taking a snapshot holds the store's admin lock and every stripe: never on a gRPC or event-loop thread.
  private final ExecutorService taker;

  ClusterSnapshots(String nodeId, VolumeManager local, java.util.function.Function<String, ReplicatedBlockDevice> primary) {
    this.local = local;
    this.primary = primary;
    this.taker = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "cluster-snapshots-" + nodeId);
      t.setDaemon(true);
      return t;
    });
  }

  /** Takes snapshot {@code snapshot} of {@code volume} on every copy, at one point of its stream; ask its primary. */
  public CompletableFuture<List<SnapshotInfo>> take(String volume, String snapshot) {
    ReplicatedBlockDevice device = primary.apply(volume);
    SnapshotNames.check(snapshot);
    if (list(volume).stream().anyMatch(s -> s.name().equals(snapshot))) {
      throw new VolumeAdminException(Reason.ALREADY_EXISTS, "volume " + volume + " already has a snapshot named "
          + snapshot);
    }
    return device.snapshot(snapshot, () -> takeLocal(volume, snapshot))
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

  /** Deletes snapshot {@code snapshot} of {@code volume} on every copy, as one op of its stream; ask its primary. */
  public CompletableFuture<Void> delete(String volume, String snapshot) {
    ReplicatedBlockDevice device = primary.apply(volume);
    if (list(volume).stream().noneMatch(s -> s.name().equals(snapshot))) {
      throw new VolumeAdminException(Reason.NOT_FOUND, "volume " + volume + " has no snapshot named " + snapshot);
    }
    return device.deleteSnapshot(snapshot, () -> deleteLocal(volume, snapshot));
  }

  /**
   * Deletes the snapshot on this node's copy once the delete is on record (its data is merged
   * away in the background); one that is gone already (an op sent again) is left as it is.
   */
  CompletableFuture<Void> deleteLocal(String volume, String snapshot) {
    return CompletableFuture.runAsync(() -> {
      if (store().snapshots(volume).stream().anyMatch(s -> s.name().equals(snapshot))) {
        store().deleteSnapshotLater(volume, snapshot);
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
