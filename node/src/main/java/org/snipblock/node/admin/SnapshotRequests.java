package org.snipblock.node.admin;

import io.grpc.Status;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CompletionException;
import org.snipblock.cluster.ClusterNode;
import org.snipblock.node.admin.v1.ChangedExtent;
import org.snipblock.node.admin.v1.CloneVolumeRequest;
import org.snipblock.node.admin.v1.DiffVolumeRequest;
import org.snipblock.node.admin.v1.DiffVolumeResponse;
import org.snipblock.node.admin.v1.RollbackVolumeRequest;
import org.snipblock.node.admin.v1.Snapshot;
import org.snipblock.node.admin.v1.SnapshotList;
import org.snipblock.node.admin.v1.SnapshotVolumesRequest;
import org.snipblock.node.admin.v1.Volume;
import org.snipblock.node.admin.v1.Resync;
import org.snipblock.store.BackgroundProgress;
import org.snipblock.store.SnapshotInfo;
import org.snipblock.store.SnapshotManager;
import org.snipblock.store.VolumeInfo;

/**
 * The admin API's snapshot, clone, rollback, read-only and diff calls, on the node's
 * {@link SnapshotManager}. On a clustered node a snapshot is taken and deleted through the volume's
 * primary, as one op of its replication stream, and listed from this node's copy; the other calls
 * are refused there, saying so (acting on one copy alone would not act on the volume).
 */
final class SnapshotRequests {
  /** Null on a clustered node. */
  private final SnapshotManager manager;
  /** Null on a standalone node. */
  private final ClusterNode cluster;

  SnapshotRequests(SnapshotManager manager, ClusterNode cluster) {
    this.manager = manager;
    this.cluster = cluster;
  }

  boolean available() {
    return manager != null;
  }

  SnapshotManager manager(String what) {
    if (manager == null) {
      throw Status.FAILED_PRECONDITION.withDescription(what + ": not available on clustered volumes")
          .asRuntimeException();
    }
    return manager;
  }

  SnapshotList take(SnapshotVolumesRequest req) {
    if (req.getVolumesCount() == 0) {
      throw AdminErrors.invalid("name at least one volume to snapshot");
    }
    requireName(req.getSnapshot(), "snapshot");
    if (cluster != null) {
      if (req.getVolumesCount() > 1) {
        return list(join(cluster.snapshots().takeGroup(req.getVolumesList(), req.getSnapshot())));
      }
      return list(join(cluster.snapshots().take(req.getVolumes(0), req.getSnapshot())));
    }
    return list(manager("snapshot").snapshot(req.getVolumesList(), req.getSnapshot()));
  }

  SnapshotList list(String volume) {
    requireName(volume, "volume");
    return list(snapshotsOf(volume));
  }

  private List<SnapshotInfo> snapshotsOf(String volume) {
    return cluster != null ? cluster.snapshots().list(volume) : manager("list snapshots").snapshots(volume);
  }

  void delete(String volume, String snapshot) {
    requireName(volume, "volume");
    requireName(snapshot, "snapshot");
    if (cluster != null) {
      join(cluster.snapshots().delete(volume, snapshot));
      return;
    }
    manager("delete snapshot").deleteSnapshot(volume, snapshot);
  }

  VolumeInfo rollback(RollbackVolumeRequest req) {
    requireName(req.getVolume(), "volume");
    requireName(req.getSnapshot(), "snapshot");
    if (cluster != null) {
      return join(cluster.snapshots().rollback(req.getVolume(), req.getSnapshot(), req.getForce()));
    }
    return manager("rollback").rollback(req.getVolume(), req.getSnapshot(), req.getForce());
  }

  VolumeInfo cloneOf(CloneVolumeRequest req) {
    requireName(req.getVolume(), "volume");
    requireName(req.getSnapshot(), "snapshot");
    requireName(req.getName(), "new volume");
    if (req.getSizeBytes() > Long.MAX_VALUE) {
      throw AdminErrors.invalid("clone size too large");
    }
    if (cluster != null) {
      return cluster.snapshots().cloneOf(req.getVolume(), req.getSnapshot(), req.getName(), req.getSizeBytes());
    }
    return manager("clone").cloneVolume(req.getVolume(), req.getSnapshot(), req.getName(), req.getSizeBytes());
  }

  VolumeInfo readOnly(String volume, boolean readOnly) {
    requireName(volume, "volume");
    if (cluster != null) {
      return cluster.volumes().setReadOnly(volume, readOnly);
    }
    return manager("set read-only").setReadOnly(volume, readOnly);
  }

  /** Starts the flatten; its progress shows in the volume's description. */
  void flatten(String volume) {
    requireName(volume, "volume");
    if (cluster != null) {
      cluster.snapshots().flatten(volume);
      return;
    }
    manager("flatten").flatten(volume);
  }

  DiffVolumeResponse diff(DiffVolumeRequest req) {
    requireName(req.getVolume(), "volume");
    requireName(req.getFromSnapshot(), "--from snapshot");
    String to = req.getToSnapshot().isEmpty() ? null : req.getToSnapshot();
    DiffVolumeResponse.Builder b = DiffVolumeResponse.newBuilder();
    long total = 0;
    for (long[] r : reader(req.getVolume(), "diff").diff(req.getVolume(), req.getFromSnapshot(), to)) {
      b.addExtents(ChangedExtent.newBuilder().setOffset(r[0]).setLength(r[1]));
      total += r[1];
    }
    return b.setChangedBytes(total).build();
  }

  /**
   * Where a volume's snapshots are read whole (diff, export): the node's store; on a cluster, this
   * node's copy if it is complete and in sync (else refused naming the nodes whose copy is).
   */
  SnapshotManager reader(String volume, String what) {
    return cluster != null ? cluster.snapshots().completeCopy(volume) : manager(what);
  }

  /** Where an import finds its base and takes its snapshot: the store, or on a cluster the volume's primary. */
  org.snipblock.node.backup.ImportBase importBase() {
    return cluster != null ? new org.snipblock.node.backup.ClusterImportBase(cluster)
        : org.snipblock.node.backup.ImportBase.of(manager("import"));
  }

  /** Adds what a standalone node knows of a volume's snapshots and lineage. */
  Volume.Builder describe(Volume.Builder b, VolumeInfo v) {
    b.setReadOnly(v.readOnly());
    if (v.flatten() != null) {
      BackgroundProgress f = v.flatten();
      Resync.Builder r = Resync.newBuilder().setPurpose(f.purpose()).setSnippetsDone(f.snippetsDone())
          .setSnippetsTotal(f.snippetsTotal()).setBytesCopied(f.bytesCopied()).setRunning(f.running());
      if (f.failure() != null) {
        r.setFailure(f.failure());
      }
      b.setFlatten(r);
    }
    if (v.parent() != null) {
      b.setParent(v.parent());
    }
    if (cluster != null) {
      cluster.snapshots().cloneState(v.name()).ifPresent(c -> b.addAllFlattenWaitingFor(c.flattenWaitingFor())
          .addAllUnsharedCopies(c.unsharedCopies()));
    }
    if (manager != null || cluster != null) {
      TreeSet<String> children = new TreeSet<>();
      List<SnapshotInfo> snapshots;
      try {
        snapshots = snapshotsOf(v.name());
      } catch (RuntimeException e) {
        // A clustered node without a copy of the volume knows none of its snapshots.
        return b;
      }
      for (SnapshotInfo s : snapshots) {
        b.addSnapshots(toProto(s));
        children.addAll(s.clones());
      }
      b.addAllChildren(children);
    }
    return b;
  }

  private static SnapshotList list(List<SnapshotInfo> snapshots) {
    SnapshotList.Builder b = SnapshotList.newBuilder();
    snapshots.forEach(s -> b.addSnapshots(toProto(s)));
    return b.build();
  }

  private static Snapshot toProto(SnapshotInfo s) {
    return Snapshot.newBuilder().setVolume(s.volume()).setName(s.name())
        .setCreatedEpochMillis(s.created().toEpochMilli()).setStoredBytes(s.storedBytes())
        .setExclusiveBytes(s.exclusiveBytes()).setSharedBytes(s.sharedBytes()).addAllClones(s.clones()).build();
  }

  /** Waits for a replicated operation; its own failure, not the wrapper, reaches the operator. */
  private static <T> T join(java.util.concurrent.CompletableFuture<T> f) {
    try {
      return f.join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  private static void requireName(String name, String what) {
    if (name.isEmpty()) {
      throw AdminErrors.invalid("name the " + what);
    }
  }
}
