package org.snipblock.store;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.rocksdb.RocksIterator;
import org.snipblock.store.journal.JournalBatch;
import org.snipblock.store.journal.JournalBatch.Space;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a store's volumes into memory when it opens: the catalog and the layer records (rebuilt
 * from the labels if the catalog lacks volumes they name or a head label names a layer without a
 * record), every volume's chain of layers, every layer's allocation map (with the
 * chunks an interrupted overwrite in place left checked, see {@link InPlaceRecovery}); then
 * finishes what a crash interrupted (snapshot merges, label writing).
 */
final class StoreLoader {
  private static final Logger log = LoggerFactory.getLogger(StoreLoader.class);
  private static final int RECORDS_PER_BATCH = 65536;
  /** META key present once {@code Space.ALLOCATION} mirrors every stored block. */
  private static final byte[] ALLOCATION_INDEXED =
      "allocation-indexed".getBytes(java.nio.charset.StandardCharsets.UTF_8);

  private final SnippetStore store;

  StoreLoader(SnippetStore store) {
    this.store = store;
  }

  void load() throws Exception {
    Map<Long, VolumeDescriptor> catalog = readCatalog();
    Set<Long> labelled = store.labelIndex().labelledVolumeIds();
    boolean lacksVolumes = !catalog.keySet().containsAll(labelled);
    if (lacksVolumes || store.labelIndex().layersLackRecords()) {
      log.warn("{}; rebuilding the catalog and the layer records from the labels", lacksVolumes
          ? "the catalog lacks volumes that snippet labels name" : "head labels name layers that have no record");
      RebuildReport r = store.labelIndex().rebuildRecords();
      log.info("catalog rebuilt from labels: {}", r);
      catalog = readCatalog();
    }
    for (VolumeDescriptor d : catalog.values()) {
      store.volumes().putIfAbsent(d.name(), new Volume(d));
    }
    linkLayers();
    new InPlaceRecovery(store).run();
    scanAllocation();
    adoptExtents();
    store.snapshotOps().copies().runPending();
    store.labelIndex().ensureHeads(store.volumes().values());
    store.publishSnapshots();
  }

  /**
   * Builds every volume's chain of layers from {@code Space.LAYERS}. A volume without records has
   * one layer, its own id (a plain volume, or one written before layers existed).
   */
  private void linkLayers() {
    Map<Long, Layer.Record> records = new HashMap<>();
    try (RocksIterator it = store.db().iterator(Space.LAYERS)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        Layer.Record r = Layer.Record.decode(it.value());
        records.put(r.id(), r);
      }
    }
    Map<Long, Volume> byId = new HashMap<>();
    store.volumes().values().forEach(v -> byId.put(v.id(), v));
    for (Layer.Record r : records.values()) {
      Volume owner = byId.get(r.owner());
      if (owner == null) {
        log.warn("layer {} belongs to no known volume ({}); ignored", r.id(), r.owner());
        continue;
      }
      Layer l = new Layer(r.id(), r.owner(), null, r.kind() == Layer.Kind.SNAPSHOT ? r.snapshot() : null,
          r.createdMillis(), owner.descriptor().snippetSize());
      l.origin(r.origin());
      store.layers().put(l.id, l);
      if (r.kind() == Layer.Kind.LIVE) {
        owner.live(l);
      }
    }
    for (Volume v : store.volumes().values()) {
      store.layers().putIfAbsent(v.live().id, v.live());
    }
    for (Layer.Record r : records.values()) {
      Layer l = store.layers().get(r.id());
      if (l != null && r.parentId() != 0) {
        Layer p = store.layers().get(r.parentId());
        if (p == null) {
          log.error("layer {} names parent {}, which is missing: its reads stop there", r.id(), r.parentId());
        }
        l.parent(p);
      }
    }
    store.snapshotOps().copies().resumeAfterLoad(records.values());
  }

  private Map<Long, VolumeDescriptor> readCatalog() {
    Map<Long, VolumeDescriptor> out = new HashMap<>();
    try (RocksIterator it = store.db().iterator(Space.CATALOG)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        try {
          VolumeDescriptor d = VolumeDescriptor.decode(it.value());
          out.put(d.id(), d);
        } catch (IllegalArgumentException e) {
          log.error("catalog entry {} is unreadable ({}); the labels will restore it", StoreDb.first(it.key()), e.getMessage());
        }
      }
    }
    return out;
  }

  /**
   * Loads every volume's allocation from {@code Space.ALLOCATION} (a few bytes per stored chunk).
   * A store written before that space existed is indexed once from its stored blocks.
   */
  private void scanAllocation() throws Exception {
    Map<Long, Volume> byId = new HashMap<>();
    store.volumes().values().forEach(v -> byId.put(v.id(), v));
    if (store.db().get(Space.META, ALLOCATION_INDEXED) == null) {
      indexAllocation(byId);
      return;
    }
    long orphans = 0;
    try (RocksIterator it = store.db().iterator(Space.ALLOCATION)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        byte[] k = it.key();
        Layer l = store.layers().get(StoreDb.first(k));
        if (l == null) {
          orphans++;
          continue;
        }
        ChunkEntry.decode(it.value()).applyTo(l.map, StoreDb.second(k));
      }
    }
    if (orphans > 0) {
      log.warn("{} allocation records belong to no known volume", orphans);
    }
  }

  /**
   * Tells the extent files which slots the maps name (the journal is empty now, so every other
   * slot is free); files of volumes neither known nor named by labels are deleted.
   */
  private void adoptExtents() throws java.io.IOException {
    Map<Long, java.util.BitSet> used = new HashMap<>();
    for (Layer l : store.layers().values()) {
      java.util.BitSet b = used.computeIfAbsent(l.owner, o -> new java.util.BitSet());
      l.map.forEachSlot(b::set);
    }
    Set<Long> keep = new java.util.HashSet<>(store.labelIndex().labelledVolumeIds());
    store.volumes().values().forEach(v -> keep.add(v.id()));
    store.chunkData().extents().load(used, keep);
  }

  /** Builds {@code Space.ALLOCATION} from the stored blocks (stores from before it existed). */
  private void indexAllocation(Map<Long, Volume> byId) {
    log.info("indexing the allocation of stored blocks (once)");
    long orphans = 0;
    long indexed = 0;
    JournalBatch batch = new JournalBatch();
    try (RocksIterator it = store.db().iterator(Space.BLOCKS)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        byte[] k = it.key();
        Volume v = byId.get(StoreDb.first(k));
        if (v == null) {
          orphans++;
          continue;
        }
        byte[] value = it.value();
        int state = BlockCodec.isZero(value) ? AllocationMap.ZERO : value.length;
        v.live().map.set(StoreDb.second(k), state);
        batch.put(Space.ALLOCATION, k, ChunkEntry.encodeState(state));
        if (++indexed % RECORDS_PER_BATCH == 0) {
          store.commit(batch);
          batch = new JournalBatch();
        }
      }
    }
    store.commit(batch.put(Space.META, ALLOCATION_INDEXED, new byte[] {1}));
    if (orphans > 0) {
      log.warn("{} stored chunks belong to no known volume", orphans);
    }
  }
}
