package org.snipblock.store;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.snipblock.store.VolumeAdminException.Reason;
import org.snipblock.store.journal.JournalBatch;
import org.snipblock.store.journal.JournalBatch.Space;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds the catalog and the layer records from the snippet labels alone, in the database (what
 * is in memory is the caller's). The catalog is replaced by the descriptors of the volumes with a
 * head label; every layer a head label names gets its record back, so the snapshots (names, ids,
 * origins, creation times, their chunks under the layer's id), the clones' parent links and with
 * them the reference counts return. Volumes whose head label predates layers in labels keep the
 * records they have. Unreadable labels are reported and the rest goes on.
 */
final class LabelRebuild {
  private static final Logger log = LoggerFactory.getLogger(LabelRebuild.class);

  /**
   * @param restored the descriptors put back in the catalog
   * @param layered  ids of those volumes whose head label names layers (snapshots or a parent)
   */
  record Result(RebuildReport report, List<VolumeDescriptor> restored, Set<Long> layered) {}

  private final SnippetStore store;
  private final StoreDb db;

  LabelRebuild(SnippetStore store, StoreDb db) {
    this.store = store;
    this.db = db;
  }

  Result run() {
    Map<Long, TreeMap<Long, SnippetLabel>> byVolume = new HashMap<>();
    List<String> problems = new ArrayList<>();
    try (RocksIterator it = db.iterator(Space.LABELS)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        try {
          SnippetLabel l = SnippetLabel.decode(it.value());
          byVolume.computeIfAbsent(l.volumeId(), k -> new TreeMap<>()).put(l.index(), l);
        } catch (IllegalArgumentException e) {
          problems.add("unreadable label at " + StoreDb.first(it.key()) + "/" + StoreDb.second(it.key())
              + ": " + e.getMessage());
        }
      }
    }
    JournalBatch batch = new JournalBatch();
    batch.deleteRange(Space.CATALOG, StoreDb.key(0), StoreDb.key(Long.MAX_VALUE));
    List<VolumeDescriptor> restored = new ArrayList<>();
    Set<Long> layered = new HashSet<>();
    Map<Long, Layer.Record> layers = new HashMap<>();
    long snippets = 0;
    for (TreeMap<Long, SnippetLabel> labels : byVolume.values()) {
      VolumeDescriptor d = labels.values().stream()
          .max(Comparator.comparingLong(SnippetLabel::generation)).orElseThrow().descriptor();
      SnippetLabel head = labels.get(0L);
      if (head == null) {
        problems.add("volume " + d.name() + " (" + d.id() + ") has " + labels.size()
            + " snippet labels but no head label; left out");
        continue;
      }
      batch.put(Space.CATALOG, StoreDb.key(d.id()), d.encode());
      restored.add(d);
      snippets += d.snippets();
      if (head.layers() != null && !head.layers().isEmpty()) {
        layered.add(d.id());
        for (Layer.Record r : head.layers()) {
          batch.put(Space.LAYERS, StoreDb.key(r.id()), r.encode());
          layers.put(r.id(), r);
        }
      }
    }
    for (Layer.Record r : layers.values()) {
      if (r.parentId() != 0 && !layers.containsKey(r.parentId()) && !hasRecord(r.parentId())) {
        problems.add("layer " + r.id() + " of volume " + r.owner() + " reads through to layer " + r.parentId()
            + ", which no label or record names: its reads stop there");
      }
    }
    store.commit(batch);
    problems.forEach(p -> log.warn("rebuild from labels: {}", p));
    return new Result(new RebuildReport(restored.size(), snippets, layers.size(), problems), restored, layered);
  }

  /** True if the head label of one of {@code volumeIds} names a layer that has no record. */
  boolean layersLackRecords(Set<Long> volumeIds) {
    for (long id : volumeIds) {
      try {
        byte[] raw = db.get(Space.LABELS, StoreDb.key(id, 0));
        List<Layer.Record> named = raw == null ? null : SnippetLabel.decode(raw).layers();
        if (named != null && named.stream().anyMatch(r -> !hasRecord(r.id()))) {
          return true;
        }
      } catch (IllegalArgumentException e) {
        // The rebuild, if one runs, reports it; the catalog and records stand as they are.
      } catch (RocksDBException e) {
        throw new VolumeAdminException(Reason.INTERNAL, "cannot read the head label of volume " + id + ": "
            + e.getMessage(), e);
      }
    }
    return false;
  }

  private boolean hasRecord(long layerId) {
    try {
      return db.get(Space.LAYERS, StoreDb.key(layerId)) != null;
    } catch (RocksDBException e) {
      throw new VolumeAdminException(Reason.INTERNAL, "cannot read layer record " + layerId + ": " + e.getMessage(), e);
    }
  }
}
