package org.snipblock.store;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.UnaryOperator;
import org.rocksdb.RocksIterator;
import org.snipblock.store.VolumeAdminException.Reason;
import org.snipblock.store.journal.JournalBatch;
import org.snipblock.store.journal.JournalBatch.Space;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The snippet labels: reading, updating and walking them, rebuilding the catalog from them, and
 * writing a new volume's labels. A new volume is usable at once; its labels are written in the
 * background (a 1 TiB volume has 262144), under a marker in {@code Space.META} that a restart
 * finds and finishes. Callers that need a volume's labels wait for them.
 */
final class SnippetLabels {
  private static final Logger log = LoggerFactory.getLogger(SnippetLabels.class);
  private static final int LABELS_PER_BATCH = 65536;
  /** Label rewrites per journal record: a placement change rewrites many, and a record stays small. */
  private static final int UPDATES_PER_BATCH = 4096;
  private static final String PENDING = "labels-pending/";

  private final SnippetStore store;
  private final StoreDb db;
  private final ExecutorService background;
  /** Volumes whose labels are being written, by id. */
  private final Map<Long, CompletableFuture<Void>> filling = new ConcurrentHashMap<>();

  SnippetLabels(SnippetStore store, StoreDb db, ExecutorService background) {
    this.store = store;
    this.db = db;
    this.background = background;
  }

  /** The META key that marks a volume whose labels are not all written yet. */
  static byte[] pendingKey(long volumeId) {
    return (PENDING + volumeId).getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /** Writes the labels of a volume whose catalog entry carries a pending marker; then drops it. */
  void fill(VolumeDescriptor d) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    filling.put(d.id(), done);
    try {
      background.execute(() -> {
        try {
          // Starts once the call that created the volume has let go of the admin lock: on a small
          // machine, encoding a big volume's labels beside it would slow the call down.
          store.underAdminLock(() -> null);
          List<SnippetLabel> labels = new ArrayList<>();
          for (long i = 0; i < d.snippets(); i++) {
            labels.add(SnippetLabel.initial(d, i));
          }
          for (int from = 0; from < labels.size(); from += LABELS_PER_BATCH) {
            if (store.closing()) {
              // The marker stays: the next start writes them again.
              done.complete(null);
              return;
            }
            writeLabels(labels.subList(from, Math.min(labels.size(), from + LABELS_PER_BATCH)));
          }
          store.commit(new JournalBatch().delete(Space.META, pendingKey(d.id())));
          done.complete(null);
        } catch (RuntimeException e) {
          if (store.closing()) {
            done.complete(null);
            return;
          }
          log.error("writing the labels of volume {} failed; a restart tries again", d.name(), e);
          done.completeExceptionally(e);
        } finally {
          filling.remove(d.id(), done);
        }
      });
    } catch (RejectedExecutionException e) {
      filling.remove(d.id(), done);
      done.complete(null);
    }
  }

  /** Finds volumes whose labels a crash left half written and writes them again. */
  void resumePending(Iterable<Volume> volumes) throws Exception {
    for (Volume v : volumes) {
      if (db.get(Space.META, pendingKey(v.id())) != null) {
        log.info("finishing the labels of volume {}", v.descriptor().name());
        fill(v.descriptor());
      }
    }
  }

  void awaitFilled(Volume v) {
    awaitFilled(v.id());
  }

  void awaitFilled(long volumeId) {
    CompletableFuture<Void> f = filling.get(volumeId);
    if (f != null) {
      try {
        f.join();
      } catch (RuntimeException e) {
        throw new VolumeAdminException(Reason.INTERNAL, "the labels of volume " + volumeId
            + " could not be written: " + e.getMessage(), e);
      }
    }
  }

  void awaitAllFilled() {
    for (Long id : List.copyOf(filling.keySet())) {
      awaitFilled(id);
    }
  }

  /** Ids of the volumes that have labels. */
  Set<Long> labelledVolumeIds() {
    Set<Long> ids = new HashSet<>();
    try (RocksIterator it = db.iterator(Space.LABELS)) {
      it.seekToFirst();
      while (it.isValid()) {
        long id = StoreDb.first(it.key());
        ids.add(id);
        if (id == Long.MAX_VALUE) {
          break;
        }
        it.seek(StoreDb.key(id + 1, 0));
      }
    }
    return ids;
  }


  /** The label of one snippet, if the snippet exists. */
  Optional<SnippetLabel> readLabel(SnippetRef ref) {
    return readLabelRaw(ref);
  }

  /** All labels of a volume, in snippet order. */
  List<SnippetLabel> labels(Volume v) {
    awaitFilled(v);
    List<SnippetLabel> out = new ArrayList<>();
    try (RocksIterator it = db.iterator(Space.LABELS)) {
      for (it.seek(StoreDb.key(v.id(), 0)); it.isValid() && StoreDb.first(it.key()) == v.id(); it.next()) {
        out.add(SnippetLabel.decode(it.value()));
      }
    }
    return out;
  }

  /**
   * Rewrites one label durably: {@code change} may set replicas and mode; identity, links and the
   * descriptor are the store's and stay as they are. The generation goes up by one.
   */
  SnippetLabel updateLabel(SnippetRef ref, UnaryOperator<SnippetLabel> change) {
    awaitFilled(ref.volumeId());
    return store.underAdminLock(() -> {
      SnippetLabel cur = readLabelRaw(ref).orElseThrow(() ->
          new VolumeAdminException(Reason.NOT_FOUND, "no snippet " + ref));
      SnippetLabel wanted = change.apply(cur);
      SnippetLabel next = new SnippetLabel(cur.volumeId(), cur.index(), cur.previous(), cur.next(),
          cur.descriptor(), cur.generation() + 1, wanted.mode(), wanted.replicas());
      store.commit(new JournalBatch().put(Space.LABELS, StoreDb.key(ref.volumeId(), ref.index()), next.encode()));
      return next;
    });
  }

  /**
   * As {@link #updateLabel} for many snippets of one volume: labels that {@code change} leaves as
   * they are are not written; the rest go in durable batches of {@value #UPDATES_PER_BATCH}.
   *
   * @return how many labels changed
   */
  int updateLabels(long volumeId, List<Long> indexes, UnaryOperator<SnippetLabel> change) {
    awaitFilled(volumeId);
    int changed = 0;
    for (int from = 0; from < indexes.size(); from += UPDATES_PER_BATCH) {
      List<Long> part = indexes.subList(from, Math.min(indexes.size(), from + UPDATES_PER_BATCH));
      changed += store.underAdminLock(() -> {
        JournalBatch b = new JournalBatch();
        int n = 0;
        for (long i : part) {
          Optional<SnippetLabel> found = readLabelRaw(new SnippetRef(volumeId, i));
          if (found.isEmpty()) {
            continue;
          }
          SnippetLabel cur = found.get();
          SnippetLabel wanted = change.apply(cur);
          if (wanted.mode() == cur.mode() && wanted.replicas().equals(cur.replicas())) {
            continue;
          }
          SnippetLabel next = new SnippetLabel(cur.volumeId(), cur.index(), cur.previous(), cur.next(),
              cur.descriptor(), cur.generation() + 1, wanted.mode(), wanted.replicas());
          b.put(Space.LABELS, StoreDb.key(volumeId, i), next.encode());
          n++;
        }
        if (n > 0) {
          store.commit(b);
        }
        return n;
      });
    }
    return changed;
  }

  /**
   * Finds a whole volume from any one of its snippets by following the labels' previous and next
   * links, and its descriptor through the label's link (falling back on the label's own copy
   * when the catalog has lost it).
   */
  VolumeWalk walkFrom(SnippetRef start) {
    awaitFilled(start.volumeId());
    SnippetLabel first = readLabelRaw(start).orElseThrow(() ->
        new VolumeAdminException(Reason.NOT_FOUND, "no snippet " + start));
    TreeMap<Long, SnippetLabel> found = new TreeMap<>();
    found.put(first.index(), first);
    for (SnippetLabel l = first; l.previous() != null && !found.containsKey(l.previous().index()); ) {
      l = follow(l.previous());
      found.put(l.index(), l);
    }
    for (SnippetLabel l = first; l.next() != null && !found.containsKey(l.next().index()); ) {
      l = follow(l.next());
      found.put(l.index(), l);
    }
    VolumeDescriptor d = first.descriptor();
    try {
      byte[] entry = db.get(Space.CATALOG, StoreDb.key(d.id()));
      if (entry != null) {
        d = VolumeDescriptor.decode(entry);
      }
    } catch (Exception e) {
      log.warn("catalog entry of volume {} unreadable; using the label's copy", d.id(), e);
    }
    return new VolumeWalk(d, new ArrayList<>(found.values()));
  }

  private SnippetLabel follow(SnippetRef ref) {
    return readLabelRaw(ref).orElseThrow(() ->
        new VolumeAdminException(Reason.INTERNAL, "label link points at missing snippet " + ref));
  }

  /**
   * Rebuilds the catalog from the snippet labels alone: for each volume the labels name, checks
   * that its labels form a complete chain and writes the catalog entry from the newest label's
   * descriptor. Volumes whose labels are incomplete are reported and left out.
   */
  RebuildReport rebuildIndexFromLabels() {
    awaitAllFilled();
    return store.underAdminLock(() -> {
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
      long snippets = 0;
      for (TreeMap<Long, SnippetLabel> labels : byVolume.values()) {
        VolumeDescriptor d = labels.values().stream()
            .max(Comparator.comparingLong(SnippetLabel::generation)).orElseThrow().descriptor();
        if (labels.size() != d.snippets() || labels.firstKey() != 0 || labels.lastKey() != d.snippets() - 1) {
          problems.add("volume " + d.name() + " (" + d.id() + ") has " + labels.size() + " of "
              + d.snippets() + " snippet labels; left out");
          continue;
        }
        batch.put(Space.CATALOG, StoreDb.key(d.id()), d.encode());
        restored.add(d);
        snippets += labels.size();
      }
      store.commit(batch);
      for (VolumeDescriptor d : restored) {
        store.catalog().restored(d);
      }
      problems.forEach(p -> log.warn("rebuild from labels: {}", p));
      return new RebuildReport(restored.size(), snippets, problems);
    });
  }

  Optional<SnippetLabel> readLabelRaw(SnippetRef ref) {
    try {
      byte[] raw = db.get(Space.LABELS, StoreDb.key(ref.volumeId(), ref.index()));
      return raw == null ? Optional.empty() : Optional.of(SnippetLabel.decode(raw));
    } catch (org.rocksdb.RocksDBException e) {
      throw new VolumeAdminException(Reason.INTERNAL, "cannot read label " + ref + ": " + e.getMessage(), e);
    }
  }

  void writeLabels(List<SnippetLabel> labels) {
    for (int from = 0; from < labels.size(); from += LABELS_PER_BATCH) {
      JournalBatch b = new JournalBatch();
      for (SnippetLabel l : labels.subList(from, Math.min(labels.size(), from + LABELS_PER_BATCH))) {
        b.put(Space.LABELS, StoreDb.key(l.volumeId(), l.index()), l.encode());
      }
      store.commit(b);
    }
  }
}
