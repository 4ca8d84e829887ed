package org.snipblock.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snipblock.store.VolumeAdminException.Reason;
import org.snipblock.store.journal.JournalBatch;
import org.snipblock.store.journal.JournalBatch.Space;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshots, clones and rollbacks as changes to the chains of {@link Layer}s. Taking a snapshot
 * freezes the live layer and starts an empty one above it, at a barrier: every stripe lock is held,
 * so no write is half applied and none acknowledged before the call is left out. Deleting a
 * snapshot merges what its children still read from it into them, one snippet at a time, then
 * unlinks it. All callers hold the store's admin lock, but a listing of what the last step left
 * ({@link #published}).
 */
final class Snapshots {
  private static final Logger log = LoggerFactory.getLogger(Snapshots.class);
  private final SnippetStore store;
  private final LayerCopies merges;

  Snapshots(SnippetStore store, java.util.concurrent.Executor background) {
    this.store = store;
    this.merges = new LayerCopies(store, background);
  }

  LayerCopies copies() {
    return merges;
  }

  Optional<Layer> find(Volume v, String name) {
    for (Layer l : store.catalog().ownLayers(v)) {
      if (name.equals(l.snapshot()) && !l.dropped()) {
        return Optional.of(l);
      }
    }
    return Optional.empty();
  }

  Layer existing(Volume v, String name) {
    return find(v, name).orElseThrow(() -> new VolumeAdminException(Reason.NOT_FOUND,
        "volume " + v.descriptor().name() + " has no snapshot named " + name));
  }

  /**
   * One point in time across {@code names} (a VM's disks): one barrier, one batch. {@code origin}
   * is 0, or for an import the id of the snapshot reproduced.
   */
  List<SnapshotInfo> take(List<String> names, String snapshot, long origin) {
    VolumeRules.checkSnapshotName(snapshot);
    if (names.isEmpty()) {
      throw new VolumeAdminException(Reason.INVALID_ARGUMENT, "name at least one volume to snapshot");
    }
    Map<String, Volume> vs = new LinkedHashMap<>();
    for (String n : names) {
      Volume v = store.existing(n);
      if (vs.put(n, v) != null) {
        throw new VolumeAdminException(Reason.INVALID_ARGUMENT, "volume " + n + " is named twice");
      }
      if (find(v, snapshot).isPresent()) {
        throw new VolumeAdminException(Reason.ALREADY_EXISTS,
            "volume " + n + " already has a snapshot named " + snapshot);
      }
      if (store.catalog().ownLayers(v).size() >= SnippetLabel.MAX_LAYERS) {
        throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "volume " + n + " has "
            + (SnippetLabel.MAX_LAYERS - 1) + " snapshots, the most its head label holds; delete some first");
      }
    }
    long now = System.currentTimeMillis();
    int[] all = store.locks().all();
    store.locks().acquire(all);
    try {
      JournalBatch batch = new JournalBatch();
      Map<Volume, Layer> fresh = new LinkedHashMap<>();
      Map<Volume, List<Layer.Record>> records = new LinkedHashMap<>();
      for (Volume v : vs.values()) {
        Layer live = v.live();
        Layer next = new Layer(store.catalog().newVolumeId(), v.id(), live, null, now, v.descriptor().snippetSize());
        store.layers().put(next.id, next);
        fresh.put(v, next);
        Layer.Record frozen = new Layer.Record(live.id, v.id(), live.parent() == null ? 0 : live.parent().id,
            Layer.Kind.SNAPSHOT, snapshot, now, origin);
        records.put(v, List.of(frozen, next.record()));
        for (Layer.Record r : records.get(v)) {
          batch.put(Space.LAYERS, StoreDb.key(r.id()), r.encode());
        }
      }
      try {
        // The head labels carry the layers too, so a rebuild from labels alone gives the snapshot back.
        records.forEach((v, rs) -> store.labelIndex().putHeadLayers(batch, v.id(), rs, List.of()));
        // Synced: the snapshot, and every write acknowledged before it, survive a crash.
        store.commit(batch);
      } catch (RuntimeException e) {
        fresh.values().forEach(l -> store.layers().remove(l.id));
        throw e;
      }
      fresh.forEach((v, next) -> {
        v.live().freeze(snapshot, now, origin);
        v.live(next);
      });
    } finally {
      store.locks().release(all);
    }
    List<SnapshotInfo> out = new ArrayList<>();
    for (Volume v : vs.values()) {
      log.info("snapshot {}@{} taken", v.descriptor().name(), snapshot);
      out.add(info(v, existing(v, snapshot)));
    }
    return out;
  }

  /** The volume's snapshots as they are now: for a caller holding the admin lock. */
  List<SnapshotInfo> list(Volume v) {
    List<SnapshotInfo> out = new ArrayList<>();
    for (Layer l : store.catalog().ownLayers(v)) {
      if (l.snapshot() != null && !l.dropped()) {
        out.add(info(v, l));
      }
    }
    return out;
  }

  /** The volume's snapshots as the last admin step left them (see {@link SnapshotCatalog}): waits for no lock. */
  List<SnapshotInfo> published(Volume v) {
    List<SnapshotInfo> out = new ArrayList<>();
    for (SnapshotCatalog.Entry e : store.snapshotCatalog().of(v.id())) {
      out.add(info(v, e));
    }
    return out;
  }

  private SnapshotInfo info(Volume v, Layer s) {
    return info(v, SnapshotCatalog.entry(s, merges.children(s), store.catalog()::volumeName));
  }

  private static SnapshotInfo info(Volume v, SnapshotCatalog.Entry e) {
    Layer s = e.layer();
    long[] exclusive = {0};
    s.map.forEach(0, Long.MAX_VALUE, (c, st) -> {
      if (st <= 0) {
        return;
      }
      boolean seen = false;
      for (Layer ch : e.children()) {
        seen |= ch.map.state(c) == AllocationMap.HOLE;
      }
      if (!seen) {
        exclusive[0] += st;
      }
    });
    long stored = s.map.storedBytes();
    return new SnapshotInfo(v.descriptor().name(), e.name(), s.id, e.origin(),
        Instant.ofEpochMilli(e.createdMillis()), stored, exclusive[0], stored - exclusive[0], e.clones());
  }

  private List<String> clonesOf(Layer s) {
    return SnapshotCatalog.clones(s, merges.children(s), store.catalog()::volumeName);
  }

  /** Refuses to delete a volume whose snapshots clones still read. */
  void checkNoClones(Volume v) {
    List<String> clones = new ArrayList<>();
    for (Layer l : store.catalog().ownLayers(v)) {
      clones.addAll(clonesOf(l));
    }
    if (!clones.isEmpty()) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "volume " + v.descriptor().name()
          + " has snapshots that clones use: " + String.join(", ", clones)
          + "; flatten or delete the clones first");
    }
  }

  void delete(Volume v, String snapshot) {
    Layer s = recordDeleting(v, snapshot);
    merges.mergeAway(v, s);
    log.info("snapshot {}@{} deleted", v.descriptor().name(), snapshot);
  }

  /** Like {@link #delete}, but returns once the delete is on record; the merge runs in the background. */
  void deleteLater(Volume v, String snapshot) {
    Layer s = recordDeleting(v, snapshot);
    merges.mergeAwayLater(v, s);
    log.info("snapshot {}@{} deleted (its data is merged away in the background)", v.descriptor().name(), snapshot);
  }

  private Layer recordDeleting(Volume v, String snapshot) {
    Layer s = existing(v, snapshot);
    List<String> clones = clonesOf(s);
    if (!clones.isEmpty()) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "snapshot " + v.descriptor().name() + "@"
          + snapshot + " is used by clones " + String.join(", ", clones) + "; flatten or delete them first");
    }
    // On record first: a crash during the merge leaves a hidden layer, never a half-merged snapshot.
    Layer.Record deleting = s.record().withKind(Layer.Kind.DELETING);
    JournalBatch batch = new JournalBatch().put(Space.LAYERS, StoreDb.key(s.id), deleting.encode());
    store.labelIndex().putHeadLayers(batch, v.id(), List.of(deleting), List.of());
    store.commit(batch);
    s.drop();
    return s;
  }


  /** Makes the volume's content that of {@code snapshot}; the live layer's changes are dropped. */
  void rollback(Volume v, String snapshot, boolean force) {
    Layer s = existing(v, snapshot);
    // Clones of later snapshots would keep reading a history the volume no longer has.
    List<Layer> own = store.catalog().ownLayers(v);
    for (Layer l : own.subList(own.indexOf(s) + 1, own.size())) {
      List<String> clones = l.snapshot() == null ? List.of() : clonesOf(l);
      if (!clones.isEmpty()) {
        throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "cannot roll " + v.descriptor().name()
            + " back to " + snapshot + ": the later snapshot " + l.snapshot() + " has clones "
            + String.join(", ", clones));
      }
    }
    int open = v.openHandles.get();
    if (open > 0 && !force) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "volume " + v.descriptor().name()
          + " is connected (" + open + " open handles); disconnect its clients or use --force");
    }
    int[] all = store.locks().all();
    store.locks().acquire(all);
    try {
      Layer old = v.live();
      Layer next = new Layer(store.catalog().newVolumeId(), v.id(), s, null, System.currentTimeMillis(),
          v.descriptor().snippetSize());
      JournalBatch batch = dropChunks(new JournalBatch(), old)
          .delete(Space.LAYERS, StoreDb.key(old.id))
          .put(Space.LAYERS, StoreDb.key(next.id), next.record().encode());
      store.labelIndex().putHeadLayers(batch, v.id(), List.of(next.record()), List.of(old.id));
      store.commit(batch);
      old.drop();
      old.map.forEachSlot(slot -> store.chunkData().extents().release(old.owner, slot));
      store.layers().remove(old.id);
      store.layers().put(next.id, next);
      v.live(next);
      v.reincarnate();
      store.compactLater(Space.BLOCKS, StoreDb.key(old.id, 0), StoreDb.key(old.id, Long.MAX_VALUE));
    } finally {
      store.locks().release(all);
    }
    log.info("volume {} rolled back to snapshot {}{}", v.descriptor().name(), snapshot,
        open > 0 ? " (forced; " + open + " open handles must reconnect)" : "");
  }

  /** A new writable volume reading through to {@code volume@snapshot} until written. */
  Volume cloneOf(Volume source, String snapshot, String newName, long newSize) {
    Layer s = existing(source, snapshot);
    VolumeRules.checkName(newName);
    VolumeDescriptor sd = source.descriptor();
    long size = newSize == 0 ? sd.size() : newSize;
    VolumeRules.checkSize(size);
    if (size < sd.size()) {
      throw new VolumeAdminException(Reason.INVALID_ARGUMENT, "a clone cannot be smaller than its parent ("
          + sd.size() + " bytes), not " + size);
    }
    if (store.volumes().containsKey(newName)) {
      throw new VolumeAdminException(Reason.ALREADY_EXISTS, "volume " + newName + " already exists");
    }
    VolumeDescriptor d = new VolumeDescriptor(store.catalog().newVolumeId(), newName, size, sd.snippetSize(),
        sd.blockSize(), sd.compression(), System.currentTimeMillis(), false);
    return store.catalog().addVolume(d, s);
  }

  /**
   * Ranges that differ between {@code from} and {@code to} (a later snapshot, or null for now):
   * exactly the chunks some layer between them holds.
   */
  List<long[]> diff(Volume v, String from, String to) {
    Layer base = existing(v, from);
    Layer top = to == null ? v.live() : existing(v, to);
    List<Layer> between = new ArrayList<>();
    Layer l = top;
    for (; l != null && l != base; l = l.parent()) {
      between.add(l);
    }
    if (l == null) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "snapshot " + from + " is not older than "
          + (to == null ? "the volume's content now" : to) + " (a rollback went past it, or the order is reversed)");
    }
    BitSet changed = new BitSet();
    for (Layer x : between) {
      x.map.forEach(0, Long.MAX_VALUE, (c, st) -> changed.set((int) c));
    }
    List<long[]> out = new ArrayList<>();
    long size = v.descriptor().size();
    for (int c = changed.nextSetBit(0); c >= 0; ) {
      int e = changed.nextClearBit(c);
      long off = (long) c * BlockCodec.CHUNK;
      out.add(new long[] {off, Math.min(size, (long) e * BlockCodec.CHUNK) - off});
      c = changed.nextSetBit(e);
    }
    return out;
  }

  /** Adds to {@code batch} the deletion of every chunk a layer holds. */
  static JournalBatch dropChunks(JournalBatch batch, Layer l) {
    return batch
        .deleteRange(Space.BLOCKS, StoreDb.key(l.id, 0), StoreDb.key(l.id, Long.MAX_VALUE))
        .deleteRange(Space.ALLOCATION, StoreDb.key(l.id, 0), StoreDb.key(l.id, Long.MAX_VALUE));
  }
}
