package org.snipblock.cluster;

import java.util.Optional;
import java.util.function.Consumer;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.store.SnapshotManager;
import org.snipblock.store.SnippetStore;
import org.snipblock.store.StoreConfig;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeInfo;
import org.snipblock.store.VolumeManager;
import org.snipblock.store.VolumeSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's copies of clustered volumes in its local store: created, grown and deleted as the
 * metadata says, with each held snippet's label carrying its replica locations and sync/async flag
 * (so a scan of the local labels finds every copy's peers). A copy is a thin local volume of the
 * full size; only the snippets this node holds are ever written to it.
 */
final class LocalCopies {
  private static final Logger log = LoggerFactory.getLogger(LocalCopies.class);

  private final String selfId;
  private final VolumeManager local;
  /** Told of a clone's copy made without its parent's snapshot: it must be copied in full from the primary. */
  private final Consumer<VolumeRecord> needsFullCopy;
  /** Told of a parent whose copy was kept for a local clone, once that clone's copy is gone. */
  private final Consumer<String> parentFreed;
  private final CopyLabels labels;

  LocalCopies(String selfId, VolumeManager local, Consumer<VolumeRecord> needsFullCopy, Consumer<String> parentFreed) {
    this.selfId = selfId;
    this.local = local;
    this.needsFullCopy = needsFullCopy;
    this.parentFreed = parentFreed;
    this.labels = new CopyLabels(selfId);
  }

  int defaultSnippetSize() {
    return local instanceof SnippetStore store ? store.config().defaultSnippetSize() : StoreConfig.DEFAULT_SNIPPET_SIZE;
  }

  static boolean holds(VolumeRecord v, String nodeId) {
    return nodeId.equals(v.getPrimary())
        || v.getSnippetsList().stream().anyMatch(s -> s.getNodesList().contains(nodeId));
  }

  /** Makes the local copy match the record: exists (if this node holds any of it), right size, labels current. */
  void ensure(VolumeRecord v) {
    if (!holds(v, selfId)) {
      return;
    }
    Optional<VolumeInfo> have = local.show(v.getName());
    VolumeInfo info;
    if (have.isEmpty()) {
      info = v.getParent().isEmpty() ? create(v) : createClone(v);
    } else if (have.get().provisionedBytes() < v.getSize()) {
      info = local.resize(v.getName(), v.getSize());
    } else {
      info = have.get();
    }
    if (local instanceof SnippetStore store) {
      labels.follow(store, info, v);
    }
  }

  private VolumeInfo create(VolumeRecord v) {
    VolumeInfo info = local.create(new VolumeSpec(v.getName(), v.getSize(), v.getSnippetSize(), v.getBlockSize(),
        v.getCompression()));
    log.info("volume {}: local copy created on {}", v.getName(), selfId);
    return info;
  }

  /**
   * A clone's copy: a local clone of this node's copy of the parent's snapshot when it has one
   * (O(1), sharing every unwritten block); otherwise (a holder that lacks the snapshot, or holds no
   * copy of the parent, as after re-replication to a new node) a plain copy that the clone's
   * primary fills in full, so nothing is lost, only the sharing on this node.
   */
  private VolumeInfo createClone(VolumeRecord v) {
    if (local instanceof SnapshotManager m && local.show(v.getParent()).isPresent()
        && m.snapshots(v.getParent()).stream().anyMatch(s -> s.name().equals(v.getParentSnapshot()))) {
      VolumeInfo info = m.cloneVolume(v.getParent(), v.getParentSnapshot(), v.getName(), v.getSize());
      log.info("volume {}: local copy created on {} as a clone of {}@{}", v.getName(), selfId, v.getParent(),
          v.getParentSnapshot());
      return info;
    }
    VolumeInfo info = create(v);
    log.warn("volume {}: {} has no copy of {}@{}: this copy of the clone is filled in full from its primary",
        v.getName(), selfId, v.getParent(), v.getParentSnapshot());
    needsFullCopy.accept(v);
    return info;
  }

  /** Deletes the local copy of a volume that no longer exists in the cluster. */
  void drop(String name) {
    labels.forget(name);
    Optional<VolumeInfo> have = local.show(name);
    if (have.isEmpty()) {
      return;
    }
    try {
      local.delete(name);
    } catch (VolumeAdminException e) {
      // A local clone (of a volume still in the cluster) reads through this copy: kept until it goes.
      log.info("volume {}: local copy kept on {} for now: {}", name, selfId, e.getMessage());
      return;
    }
    log.info("volume {}: local copy deleted on {}", name, selfId);
    if (have.get().parent() != null) {
      parentFreed.accept(have.get().parent().substring(0, have.get().parent().indexOf('@')));
    }
  }
}
