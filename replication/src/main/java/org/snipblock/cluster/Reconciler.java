package org.snipblock.cluster;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.block.BlockDeviceException.Kind;
import org.snipblock.block.VolumeMdc;
import org.snipblock.cluster.meta.ClusterMetadata;
import org.snipblock.cluster.meta.StaleCopies;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.replica.DurableProgress;
import org.snipblock.cluster.replica.ReopenableDevice;
import org.snipblock.cluster.replica.ReplicaService;
import org.snipblock.cluster.replica.ReplicatedBlockDevice;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;
import org.snipblock.store.SnapshotManager;
import org.snipblock.store.VolumeManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings this node's part of each volume in line with the committed metadata: its local copy and
 * labels while it holds snippets, and a primary device while the metadata names it the primary
 * (a new device per epoch: a device never sequences beyond the epoch it was made for). Everything
 * runs on the node's one worker thread, so two views of a volume are never acted on at once.
 */
final class Reconciler {
  private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

  private final String nodeId;
  private final ClusterMetadata metadata;
  private final VolumeManager local;
  private final LocalCopies copies;
  private final DurableProgress sequences;
  private final ExecutorService worker;
  private final ScheduledExecutorService timer;
  private final BiFunction<VolumeRecord, ReopenableDevice, ReplicatedBlockDevice> newPrimary;
  private final BooleanSupplier closed;
  private static final long PARENT_SNAPSHOT_WAIT_MILLIS = 10_000;
  private final Map<String, ReplicatedBlockDevice> primaries = new ConcurrentHashMap<>();
  private volatile ReplicaService replicaService;
  // Every local copy's I/O is timed here: relocation's IOPS and latency thresholds read it.
  private final StoreIo io = new StoreIo();

  /** @param newPrimary makes the primary device of a volume at the record's epoch over the local copy */
  Reconciler(String nodeId, ClusterMetadata metadata, VolumeManager local, LocalCopies copies,
      DurableProgress sequences, ExecutorService worker, ScheduledExecutorService timer,
      BiFunction<VolumeRecord, ReopenableDevice, ReplicatedBlockDevice> newPrimary, BooleanSupplier closed) {
    this.nodeId = nodeId;
    this.metadata = metadata;
    this.local = local;
    this.copies = copies;
    this.sequences = sequences;
    this.worker = worker;
    this.timer = timer;
    this.newPrimary = newPrimary;
    this.closed = closed;
  }

  /** The replica side, which forgets a volume when this node no longer holds it. */
  void serving(ReplicaService service) {
    this.replicaService = service;
  }

  /** The I/O this node's local copies served. */
  StoreIo io() {
    return io;
  }

  Optional<ReplicatedBlockDevice> primary(String name) {
    return Optional.ofNullable(primaries.get(name));
  }

  Collection<ReplicatedBlockDevice> primaries() {
    return primaries.values();
  }

  /** Queues a reconcile of the volume as the metadata now shows it. */
  void changed(String name) {
    worker.execute(() -> reconcile(name, null));
  }

  /** Reconciles with {@code committed} now (the proposer may run ahead of its own applier). */
  void awaitReconciled(String name, VolumeRecord committed, long timeoutMillis) {
    try {
      worker.submit(() -> reconcile(name, committed)).get(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new VolumeAdminException(Reason.INTERNAL, "volume " + name + " committed but not set up here: " + e, e);
    }
  }

  private void reconcile(String name, VolumeRecord committed) {
    try (VolumeMdc volume = VolumeMdc.of(name)) {
      reconcileNow(name, committed);
    }
  }

  private void reconcileNow(String name, VolumeRecord committed) {
    if (closed.getAsBoolean()) {
      return;
    }
    VolumeRecord v = metadata.volume(name).orElse(null);
    if (committed != null && (v == null || v.getVersion() < committed.getVersion())) {
      v = committed;
    }
    if (v == null) {
      ReplicatedBlockDevice d = primaries.remove(name);
      if (d != null) {
        d.close();
      }
      replicaService.forget(name);
      sequences.forget(name);
      copies.drop(name);
      return;
    }
    if (!LocalCopies.holds(v, nodeId)) {
      ReplicatedBlockDevice d = primaries.remove(name);
      if (d != null) {
        d.update(v);
      }
      replicaService.forget(name);
      copies.drop(name);
      return;
    }
    if (parentSnapshotInFlight(v)) {
      timer.schedule(() -> changed(name), 200, TimeUnit.MILLISECONDS);
      return;
    }
    try {
      copies.ensure(v);
    } catch (RuntimeException e) {
      log.error("volume {}: local copy could not be set up: {}", name, e.getMessage(), e);
      return;
    }
    ReplicatedBlockDevice current = primaries.get(name);
    if (current != null) {
      current.update(v);
    }
    if (nodeId.equals(v.getPrimary())) {
      if (current == null || current.epoch() != v.getEpoch()) {
        long opening = System.nanoTime();
        primaries.put(name, newPrimary.apply(v, new ReopenableDevice(io.meter(local.open(name).orElseThrow()),
            () -> io.meter(local.open(name).orElseThrow()))));
        log.info("volume {}: this node is primary at epoch {} (device opened in {} ms)", name, v.getEpoch(),
            (System.nanoTime() - opening) / 1_000_000);
      }
    } else if (current != null) {
      primaries.remove(name);
    }
  }

  /**
   * A clone's copy here should share this node's copy of the parent's snapshot, which may not be
   * here yet: it comes down the parent's stream a moment after the clone's record (the primary's
   * take completes once a quorum of copies has it), or, where the parent's copy was just placed
   * here (re-replication puts a clone's copy where its parent's went), with that copy's resync.
   * Meanwhile the clone's copy waits rather than being made a full copy; the wait ends when the
   * snapshot arrives, or once the parent's copy here is in sync and the clone is no longer young.
   */
  private boolean parentSnapshotInFlight(VolumeRecord v) {
    if (v.getParent().isEmpty() || !(local instanceof SnapshotManager m) || local.show(v.getName()).isPresent()) {
      return false;
    }
    VolumeRecord parent = metadata.volume(v.getParent()).orElse(null);
    if (parent == null || parent.getUid() != v.getParentUid() || !LocalCopies.holds(parent, nodeId)) {
      return false;
    }
    boolean young = System.currentTimeMillis() - v.getCreatedMillis() <= PARENT_SNAPSHOT_WAIT_MILLIS;
    if (!young && !StaleCopies.anywhere(parent, nodeId)) {
      return false;
    }
    boolean arrived = local.show(parent.getName()).isPresent()
        && m.snapshots(parent.getName()).stream().anyMatch(s -> s.name().equals(v.getParentSnapshot()));
    if (!arrived) {
      log.debug("volume {}: waiting for {}@{} to arrive before making this copy", v.getName(), v.getParent(),
          v.getParentSnapshot());
    }
    return !arrived;
  }

  /** The replica side's way to its local copy: created on demand once the metadata names this node. */
  CompletableFuture<BlockDevice> localCopy(String name) {
    if (name.indexOf('@') >= 0) {
      // A snapshot of a copy (compared by a verify or a resync): read-only, there or not.
      return local.open(name).map(CompletableFuture::completedFuture).orElseGet(() -> CompletableFuture.failedFuture(
          new BlockDeviceException(Kind.UNAVAILABLE, "node " + nodeId + " has no snapshot " + name)));
    }
    CompletableFuture<BlockDevice> result = new CompletableFuture<>();
    tryLocalCopy(name, result, 40);
    return result;
  }

  private void tryLocalCopy(String name, CompletableFuture<BlockDevice> result, int attemptsLeft) {
    worker.execute(() -> {
      Optional<VolumeRecord> v = metadata.volume(name);
      if (v.isPresent() && parentSnapshotInFlight(v.get())) {
        if (attemptsLeft > 0) {
          timer.schedule(() -> tryLocalCopy(name, result, attemptsLeft - 1), 250, TimeUnit.MILLISECONDS);
        } else {
          // The primary tries again later; a full copy now would lose the sharing for good.
          result.completeExceptionally(new BlockDeviceException(Kind.UNAVAILABLE, "the copy of " + name + " on "
              + nodeId + " waits for " + v.get().getParent() + "@" + v.get().getParentSnapshot() + " to arrive"));
        }
      } else if (v.isPresent()) {
        try {
          copies.ensure(v.get());
          local.open(name).map(io::meter).ifPresentOrElse(result::complete, () -> result.completeExceptionally(
              new BlockDeviceException(Kind.UNAVAILABLE, "node " + nodeId + " holds no copy of " + name)));
        } catch (RuntimeException e) {
          result.completeExceptionally(e);
        }
      } else if (attemptsLeft <= 0 || closed.getAsBoolean()) {
        result.completeExceptionally(new BlockDeviceException(Kind.UNAVAILABLE, "volume " + name + " unknown here"));
      } else {
        // The primary's create may reach us before our copy of the metadata applies it.
        timer.schedule(() -> tryLocalCopy(name, result, attemptsLeft - 1), 250, TimeUnit.MILLISECONDS);
      }
    });
  }

  /** Closes every primary device (once the worker has stopped, so none is made after). */
  void closePrimaries() {
    primaries.values().forEach(ReplicatedBlockDevice::close);
    primaries.clear();
  }
}
