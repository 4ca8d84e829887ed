package org.snipblock.store;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.rocksdb.RocksIterator;
import org.snipblock.block.BlockDevice;
import org.snipblock.store.VolumeAdminException.Reason;
import org.snipblock.store.journal.JournalBatch;
import org.snipblock.store.journal.JournalBatch.Space;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's volumes as an operator sees them: creating, resizing, deleting and protecting
 * volumes, what {@code volume show} reports, and volumes a label rebuild brings back. Changes run
 * under the store's admin lock and commit through the journal.
 */
final class VolumeCatalog {
  private static final Logger log = LoggerFactory.getLogger(VolumeCatalog.class);
  private static final long DELETE_DRAIN_MILLIS = 60_000;

  private final SnippetStore store;
  private final SecureRandom random = new SecureRandom();

  VolumeCatalog(SnippetStore store) {
    this.store = store;
  }

  VolumeInfo create(VolumeSpec spec) {
    VolumeRules.checkName(spec.name());
    VolumeRules.checkSize(spec.size());
    int snippetSize = spec.snippetSize() == 0 ? store.config().defaultSnippetSize() : spec.snippetSize();
    VolumeRules.checkSnippetSize(snippetSize);
    VolumeRules.checkBlockSize(spec.blockSize());
    return store.underAdminLock(() -> {
      if (store.volumes().containsKey(spec.name())) {
        throw new VolumeAdminException(Reason.ALREADY_EXISTS, "volume " + spec.name() + " already exists");
      }
      VolumeDescriptor d = new VolumeDescriptor(newVolumeId(), spec.name(), spec.size(), snippetSize,
          spec.blockSize(), spec.compression(), System.currentTimeMillis(), spec.readOnly());
      return info(addVolume(d, null));
    });
  }

  /**
   * Records a new volume (under the admin lock): its catalog entry, its head label and, for a
   * clone, the record of its live layer reading through to {@code parent} (which the head label
   * carries too), in one batch. The other
   * snippets' labels follow from the head (see {@link SnippetLabels}): creating a volume or a clone
   * costs the same whatever its size.
   */
  Volume addVolume(VolumeDescriptor d, Layer parent) {
    Volume v = new Volume(d);
    JournalBatch batch = new JournalBatch().put(Space.CATALOG, StoreDb.key(d.id()), d.encode());
    List<Layer.Record> layers = List.of();
    if (parent != null) {
      v.live().parent(parent);
      layers = List.of(v.live().record());
      batch.put(Space.LAYERS, StoreDb.key(d.id()), layers.get(0).encode());
    }
    SnippetLabels.addHead(batch, d, layers);
    store.commit(batch);
    store.volumes().put(d.name(), v);
    store.layers().put(v.live().id, v.live());
    log.info("created volume {} ({} bytes, {} snippets of {} bytes, block size {}, compression {}{}{})",
        d.name(), d.size(), d.snippets(), d.snippetSize(), d.blockSize(), d.compression(),
        d.readOnly() ? ", read-only" : "", parent == null ? "" : ", clone of " + volumeName(parent.owner)
            + "@" + parent.snapshot());
    return v;
  }

  /** What {@code volume show} reports of a volume. */
  VolumeInfo info(Volume v) {
    return v.info(ownLayers(v), this::volumeName, store.flattener().progress(v));
  }

  /**
   * Every layer a volume owns: its live layer, its snapshots (also those a rollback left off the
   * live chain) and snapshots being merged away.
   */
  List<Layer> ownLayers(Volume v) {
    List<Layer> out = new ArrayList<>();
    for (Layer l : store.layers().values()) {
      if (l.owner == v.id()) {
        out.add(l);
      }
    }
    out.sort(Layer.OLDEST_FIRST);
    return out;
  }

  /** The name of the volume with this id, or the id itself if it is gone. */
  String volumeName(long id) {
    for (Volume v : store.volumes().values()) {
      if (v.id() == id) {
        return v.descriptor().name();
      }
    }
    return String.valueOf(id);
  }

  VolumeInfo resize(String name, long newSize) {
    VolumeRules.checkSize(newSize);
    return store.underAdminLock(() -> {
      Volume v = store.existing(name);
      VolumeDescriptor old = v.descriptor();
      if (newSize < old.size()) {
        throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "volume " + name + " is "
            + old.size() + " bytes; shrinking to " + newSize + " would destroy data and is refused");
      }
      if (newSize == old.size()) {
        return info(v);
      }
      VolumeDescriptor d = old.withSize(newSize);
      JournalBatch batch = new JournalBatch().put(Space.CATALOG, StoreDb.key(d.id()), d.encode());
      store.labelIndex().relink(batch, d);
      store.commit(batch);
      v.descriptor(d);
      log.info("resized volume {} from {} to {} bytes", name, old.size(), newSize);
      return info(v);
    });
  }

  void delete(String name) {
    store.underAdminLock(() -> {
      Volume v = store.existing(name);
      store.snapshotOps().checkNoClones(v);
      try {
        if (!v.markDeletedAndDrain(DELETE_DRAIN_MILLIS)) {
          throw new VolumeAdminException(Reason.INTERNAL, "requests to " + name + " did not finish in time");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new VolumeAdminException(Reason.INTERNAL, "interrupted while deleting " + name);
      }
      store.volumes().remove(name);
      long id = v.id();
      JournalBatch batch = new JournalBatch()
          .delete(Space.CATALOG, StoreDb.key(id))
          .delete(Space.META, VolumeQosStore.key(id));
      SnippetLabels.deleteAll(batch, id);
      List<Layer> own = ownLayers(v);
      own.forEach(l -> Snapshots.dropChunks(batch, l).delete(Space.LAYERS, StoreDb.key(l.id)));
      store.commit(batch);
      // The file goes once no replayable journal record can name its slots (after a checkpoint).
      store.chunkData().extents().releaseFile(id);
      for (Layer l : own) {
        l.drop();
        store.layers().remove(l.id);
        store.compactLater(Space.BLOCKS, StoreDb.key(l.id, 0), StoreDb.key(l.id, Long.MAX_VALUE));
        store.compactLater(Space.ALLOCATION, StoreDb.key(l.id, 0), StoreDb.key(l.id, Long.MAX_VALUE));
      }
      store.compactLater(Space.LABELS, StoreDb.key(id, 0), StoreDb.key(id, Long.MAX_VALUE));
      log.info("deleted volume {}{}", name, own.size() > 1 ? " and its " + (own.size() - 1) + " snapshots" : "");
      return null;
    });
  }

  VolumeInfo setReadOnly(String volume, boolean readOnly) {
    return store.underAdminLock(() -> {
      Volume v = store.existing(volume);
      VolumeDescriptor d = v.descriptor().withReadOnly(readOnly);
      JournalBatch batch = new JournalBatch().put(Space.CATALOG, StoreDb.key(d.id()), d.encode());
      // The labels carry the flag too, so a catalog rebuilt from them keeps it.
      store.labelIndex().relink(batch, d);
      store.commit(batch);
      v.descriptor(d);
      log.info("volume {} is now {}", volume, readOnly ? "read-only" : "writable");
      return info(v);
    });
  }

  /** A volume a rebuild put back in the catalog: known from now on, with its allocation. */
  void restored(VolumeDescriptor d) {
    Volume v = store.volumes().get(d.name());
    if (v != null && v.id() == d.id()) {
      return;
    }
    Volume nv = new Volume(d);
    store.volumes().put(d.name(), nv);
    store.layers().put(nv.live().id, nv.live());
    java.util.BitSet used = new java.util.BitSet();
    try (RocksIterator it = store.db().iterator(Space.ALLOCATION)) {
      for (it.seek(StoreDb.key(nv.id(), 0)); it.isValid() && StoreDb.first(it.key()) == nv.id(); it.next()) {
        ChunkEntry e = ChunkEntry.decode(it.value());
        e.applyTo(nv.live().map, StoreDb.second(it.key()));
        if (e.inExtent()) {
          used.set(e.slot());
        }
      }
    }
    try {
      store.chunkData().extents().adopt(nv.id(), used);
    } catch (IOException e) {
      throw new VolumeAdminException(Reason.INTERNAL, "cannot open the extent file of " + d.name() + ": " + e.getMessage(), e);
    }
  }

  /** A fresh id for a volume or a layer: the two share one key space. */
  long newVolumeId() {
    Set<Long> used = new HashSet<>(store.layers().keySet());
    store.volumes().values().forEach(v -> used.add(v.id()));
    used.addAll(store.labelIndex().labelledVolumeIds());
    long id;
    do {
      id = random.nextLong() & 0x3fff_ffff_ffff_ffffL;
    } while (id == 0 || used.contains(id));
    return id;
  }

  List<VolumeInfo> list() {
    store.checkOpen();
    List<VolumeInfo> out = new ArrayList<>();
    store.volumes().values().forEach(v -> out.add(info(v)));
    out.sort(Comparator.comparing(VolumeInfo::name));
    return out;
  }

  Optional<VolumeInfo> show(String name) {
    store.checkOpen();
    return Optional.ofNullable(store.volumes().get(name)).map(this::info);
  }

  List<String> names() {
    List<String> names = new ArrayList<>(store.volumes().keySet());
    Collections.sort(names);
    return names;
  }

  /**
   * A new handle on the volume, or on a snapshot as {@code VOLUME@SNAPSHOT} (read-only); each
   * handle is closed on its own and never deletes anything.
   */
  Optional<BlockDevice> open(String name) {
    int at = name.indexOf('@');
    Volume v = store.volumes().get(at < 0 ? name : name.substring(0, at));
    if (v == null) {
      return Optional.empty();
    }
    if (at < 0) {
      return Optional.of(new VolumeDevice(store, v, null));
    }
    return store.snapshotOps().find(v, name.substring(at + 1)).map(l -> new VolumeDevice(store, v, l));
  }

  /** A handle that writes into the snapshot's own layer (see {@link SnapshotManager#fillSnapshot}). */
  BlockDevice openFill(String volume, String snapshot) {
    Volume v = store.volumes().get(volume);
    if (v == null) {
      throw new VolumeAdminException(Reason.NOT_FOUND, "no volume named " + volume);
    }
    Layer l = store.snapshotOps().find(v, snapshot).orElseThrow(() -> new VolumeAdminException(
        Reason.NOT_FOUND, "volume " + volume + " has no snapshot " + snapshot));
    return new VolumeDevice(store, v, l, true);
  }
}
