package org.snipblock.cluster;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.snipblock.block.DaemonThreads;
import org.snipblock.cluster.meta.Clones;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.replica.ReplicatedBlockDevice;
import org.snipblock.cluster.replica.SnapshotSource;
import org.snipblock.store.SnapshotInfo;
import org.snipblock.store.SnapshotManager;
import org.snipblock.store.SnapshotNames;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;
import org.snipblock.store.VolumeInfo;
import org.snipblock.store.VolumeManager;

/**
 * Snapshots, rollbacks and clones of clustered volumes. A snapshot (a delete, a rollback) is one op
 * of the volume's replication stream, so every copy takes it at the same point: the primary
 * sequences it like a flush, and each copy (the primary's included) applies it on its own store
 * once every earlier change is applied there and before any later one. A snapshot acknowledged in a
 * sync volume is on a write quorum of copies, so a failover keeps it. Any node holding a copy lists
 * and serves the volume's snapshots (read-only, and the same on every copy), and is the
 * {@link SnapshotSource} its primaries compare their holders' snapshots with. A clone is made
 * through the parent's primary, which checks its snapshot under the same guard as a delete.
 */
public final class ClusterSnapshots implements SnapshotSource, AutoCloseable {
  // How many times (200 ms apart) a copy waits for local clones of a deleted snapshot to go.
  private static final int LOCAL_CLONE_WAITS = 50;
  private final ClusterNode node;
  private final VolumeConnections connections;
  private final VolumeManager local;
  /** The volume's replicated device if this node is its serving primary; else refuses naming the primary. */
  private final java.util.function.Function<String, ReplicatedBlockDevice> primary;
  // Taking a snapshot holds the store's admin lock and every stripe: never on a gRPC or event-loop thread.
  private final ExecutorService taker;
  // On the primary, a clone's check of its snapshot and a delete of that snapshot happen one at a time.
  private final Object cloneGuard = new Object();
  private final Set<String> deleting = ConcurrentHashMap.newKeySet();
  private final GroupHolds holds;
  private final GroupSnapshot group;
  private final CloneFlattens flattens;

  ClusterSnapshots(ClusterNode node, java.util.function.Function<String, ReplicatedBlockDevice> primary) {
    String nodeId = node.nodeId();
    this.node = node;
    this.connections = new VolumeConnections(node);
    this.local = node.local();
    this.primary = primary;
    this.taker = Executors.newSingleThreadExecutor(DaemonThreads.named("cluster-snapshots-" + nodeId));
    this.holds = new GroupHolds(nodeId, this, primary);
    this.group = new GroupSnapshot(node, holds);
    this.flattens = new CloneFlattens(node);
  }

  /** Takes snapshot {@code snapshot} of {@code volume} on every copy, at one point of its stream; ask its primary. */
  public CompletableFuture<List<SnapshotInfo>> take(String volume, String snapshot) {
    return take(volume, snapshot, 0);
  }

  /**
   * As {@link #take(String, String)}, for an import that reproduced snapshot {@code origin} (0: none,
   * the snapshot gets a new cluster-wide id, {@link SnapshotLineage}): every copy records it, so a later
   * incremental stream finds its base on any of them, and one exported from any copy applies onto a
   * backup exported from another.
   */
  public CompletableFuture<List<SnapshotInfo>> take(String volume, String snapshot, long origin) {
    ReplicatedBlockDevice device = primary.apply(volume);
    long lineage = origin != 0 ? origin : SnapshotLineage.newId();
    SnapshotNames.check(snapshot);
    if (list(volume).stream().anyMatch(s -> s.name().equals(snapshot))) {
      throw new VolumeAdminException(Reason.ALREADY_EXISTS, "volume " + volume + " already has a snapshot named "
          + snapshot);
    }
    return device.snapshot(snapshot, lineage, () -> takeLocal(volume, snapshot, lineage))
        .thenApply(x -> list(volume).stream().filter(s -> s.name().equals(snapshot)).toList());
  }

  /**
   * Takes snapshot {@code snapshot} of several volumes at one point in time (a VM's disks), whichever
   * nodes their primaries are on ({@link GroupSnapshot}: every primary holds new writes, then takes
   * its snapshots, then releases; a failure or timeout releases everything and deletes what was
   * taken). Completes with the snapshots as this node's copies have them (none for a volume this
   * node holds no copy of).
   */
  public CompletableFuture<List<SnapshotInfo>> takeGroup(List<String> volumes, String snapshot) {
    return group.take(volumes, snapshot).thenApply(x -> volumes.stream()
        .filter(v -> local.show(v).isPresent())
        .flatMap(v -> list(v).stream().filter(s -> s.name().equals(snapshot))).toList());
  }

  /** The other primaries' side of group snapshots this node coordinates, served on the cluster port. */
  io.grpc.BindableService groupService() {
    return new GroupSnapshot.Service(holds);
  }

  /** Takes the snapshot on this node's copy; one that exists already (an op sent again) is left as it is. */
  CompletableFuture<Void> takeLocal(String volume, String snapshot, long origin) {
    return CompletableFuture.runAsync(() -> {
      if (store().snapshots(volume).stream().noneMatch(s -> s.name().equals(snapshot))) {
        if (origin != 0) {
          store().snapshotImported(volume, snapshot, origin);
        } else {
          store().snapshot(List.of(volume), snapshot);
        }
      }
    }, taker);
  }

  /** Refuses, naming the primary, unless this node is the volume's serving primary. */
  public void requirePrimary(String volume) {
    primary.apply(volume);
  }

  @Override
  public long origin(String volume, String snapshot) {
    return local.show(volume).isEmpty() ? 0 : store().snapshots(volume).stream()
        .filter(s -> s.name().equals(snapshot)).mapToLong(SnapshotInfo::origin).findFirst().orElse(0);
  }

  /** Deletes snapshot {@code snapshot} of {@code volume} on every copy, as one op of its stream; ask its primary. */
  public CompletableFuture<Void> delete(String volume, String snapshot) {
    ReplicatedBlockDevice device = primary.apply(volume);
    if (list(volume).stream().noneMatch(s -> s.name().equals(snapshot))) {
      throw new VolumeAdminException(Reason.NOT_FOUND, "volume " + volume + " has no snapshot named " + snapshot);
    }
    String key = volume + "@" + snapshot;
    CompletableFuture<Void> deleted;
    synchronized (cloneGuard) {
      List<String> clones = Clones.of(node.metadata().volumes(), volume, snapshot);
      if (!clones.isEmpty()) {
        throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "snapshot " + key + " is used by clones "
            + String.join(", ", clones) + "; flatten or delete them first");
      }
      deleting.add(key);
      deleted = device.deleteSnapshot(snapshot, () -> deleteLocal(volume, snapshot));
    }
    return deleted.whenComplete((x, e) -> deleting.remove(key));
  }

  /**
   * Rolls {@code volume} back to {@code snapshot} on every copy at one point of its stream (a
   * barrier, like a snapshot); ask its primary. Refused while clones use a later snapshot, and while
   * any node's doors have the volume open unless {@code force}. Door handles opened before fail from
   * then on (the rollback waits, bounded, until every node in view has applied that change), so
   * clients reconnect to the rolled-back content. Later snapshots are kept.
   */
  public CompletableFuture<VolumeInfo> rollback(String volume, String snapshot, boolean force) {
    ReplicatedBlockDevice device = primary.apply(volume);
    List<String> names = names(volume);
    int at = names.indexOf(snapshot);
    if (at < 0) {
      throw new VolumeAdminException(Reason.NOT_FOUND, "volume " + volume + " has no snapshot named " + snapshot);
    }
    for (String later : names.subList(at + 1, names.size())) {
      List<String> clones = Clones.of(node.metadata().volumes(), volume, later);
      if (!clones.isEmpty()) {
        throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "cannot roll " + volume + " back to " + snapshot
            + ": the later snapshot " + later + " has clones " + String.join(", ", clones));
      }
    }
    if (!force) {
      connections.refuseIfConnected(volume);
    }
    connections.awaitApplied(volume, node.volumes().reincarnate(volume));
    return device.rollback(snapshot, () -> rollbackLocal(volume, snapshot))
        .thenApply(x -> node.volumes().show(volume).orElseThrow());
  }

  /** Rolls this node's copy back (forced: the handles on it are this node's own, which reopen theirs). */
  CompletableFuture<Void> rollbackLocal(String volume, String snapshot) {
    return CompletableFuture.runAsync(() -> store().rollback(volume, snapshot, true), taker);
  }

  /**
   * Clones {@code volume@snapshot} as the new clustered volume {@code name} ({@code size} 0: the
   * parent's size); ask the parent's primary, which checks that the snapshot exists and is not
   * being deleted. Every holder of the parent's copies makes its copy of the clone as a local clone.
   */
  public VolumeInfo cloneOf(String volume, String snapshot, String name, long size) {
    ReplicatedBlockDevice device = primary.apply(volume);
    synchronized (cloneGuard) {
      if (deleting.contains(volume + "@" + snapshot)
          || list(volume).stream().noneMatch(s -> s.name().equals(snapshot))) {
        throw new VolumeAdminException(Reason.NOT_FOUND, "volume " + volume + " has no snapshot named " + snapshot);
      }
      VolumeRecord parent = node.metadata().volume(volume).orElseThrow(() ->
          new VolumeAdminException(Reason.NOT_FOUND, "no volume named " + volume));
      if (parent.getEpoch() != device.epoch()) {
        throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "volume " + volume
            + " is changing its primary; ask its primary " + parent.getPrimary() + " again");
      }
      return node.volumes().cloneOf(parent, snapshot, name, size);
    }
  }

  /**
   * Starts flattening clone {@code volume} on every holder (see {@link CloneFlattens}); any node may
   * be asked. Its parent link goes once every holder's copy reads nothing from the parent.
   */
  public VolumeInfo flatten(String volume) {
    flattens.start(volume);
    return node.volumes().show(volume).orElseThrow();
  }

  /** Holders waiting to flatten the clone, and holders whose copy of it shares nothing with the parent. */
  public record CloneState(java.util.List<String> flattenWaitingFor, java.util.List<String> unsharedCopies) {}

  public java.util.Optional<CloneState> cloneState(String volume) {
    return node.metadata().volume(volume).map(v -> new CloneState(
        org.snipblock.cluster.meta.Flattening.waitingFor(v), org.snipblock.cluster.meta.Flattening.unshared(v)));
  }

  /** A care round of the node: flattens this node's copies of clones on record as flattening. */
  void care() {
    flattens.care();
  }

  /**
   * Deletes the snapshot on this node's copy once the delete is on record (its data is merged
   * away in the background); one that is gone already (an op sent again) is left as it is.
   */
  CompletableFuture<Void> deleteLocal(String volume, String snapshot) {
    return deleteLocal(volume, snapshot, LOCAL_CLONE_WAITS);
  }

  private CompletableFuture<Void> deleteLocal(String volume, String snapshot, int waitsLeft) {
    return CompletableFuture.supplyAsync(() -> {
      SnapshotInfo s = store().snapshots(volume).stream().filter(x -> x.name().equals(snapshot)).findFirst()
          .orElse(null);
      if (s == null) {
        return List.<String>of();
      }
      if (s.clones().isEmpty() || waitsLeft == 0) {
        store().deleteSnapshotLater(volume, snapshot);
        return List.<String>of();
      }
      return s.clones();
    }, taker).thenCompose(clones -> clones.isEmpty() ? CompletableFuture.completedFuture(null)
        // The primary checked that the cluster has no such clone: this node has yet to apply their delete.
        : CompletableFuture.runAsync(() -> clones.forEach(c -> node.awaitReconciled(c, null)),
            CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS))
            .thenCompose(x -> deleteLocal(volume, snapshot, waitsLeft - 1)));
  }

  /** Names of the snapshots of this node's copy of the volume, oldest first (none without a copy). */
  @Override
  public List<String> names(String volume) {
    return local.show(volume).isEmpty() ? List.of() : store().snapshots(volume).stream().map(SnapshotInfo::name).toList();
  }

  @Override
  public java.util.Optional<org.snipblock.block.BlockDevice> open(String volume, String snapshot) {
    return local.open(volume + "@" + snapshot);
  }

  /**
   * This node's store, to read the volume's snapshots whole (diff, export): only while this node's
   * copy holds every snippet and none of them is on record as stale; otherwise refused, naming the
   * nodes whose copy is complete (its primary's usually is).
   */
  public SnapshotManager completeCopy(String volume) {
    VolumeRecord v = node.metadata().volume(volume).orElseThrow(() ->
        new VolumeAdminException(Reason.NOT_FOUND, "no volume named " + volume));
    List<String> complete = node.metadata().nodes().stream().map(org.snipblock.cluster.proto.NodeRecord::getId)
        .filter(n -> v.getSnippetsList().stream().allMatch(s -> s.getNodesList().contains(n)
            && !s.getStaleList().contains(n))).toList();
    if (!complete.contains(node.nodeId())) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "node " + node.nodeId() + " holds no complete copy "
          + "of " + volume + " in sync; ask " + (complete.isEmpty() ? "again once its copies are resynced"
          : "one of: " + String.join(", ", complete)));
    }
    return store();
  }

  /** Writes into this node's copy of the snapshot, for a stripe the copy gained since (see {@link SnapshotManager#fillSnapshot}). */
  CompletableFuture<Void> fillLocal(String volume, String snapshot, long offset, java.nio.ByteBuffer data) {
    org.snipblock.block.BlockDevice d;
    try {
      d = store().fillSnapshot(volume, snapshot);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return d.write(offset, data, true).whenComplete((x, e) -> d.close());
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
    holds.close();
    flattens.close();
    taker.shutdownNow();
  }
}
