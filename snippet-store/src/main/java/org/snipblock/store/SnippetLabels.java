package org.snipblock.store;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.snipblock.store.VolumeAdminException.Reason;
import org.snipblock.store.journal.JournalBatch;
import org.snipblock.store.journal.JournalBatch.Space;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The snippet labels: reading, rewriting and walking them, and rebuilding the catalog from them.
 *
 * <p>Every snippet has a label, but only labels that say something of their own are stored: the
 * head label (snippet 0, written in the batch that creates the volume and rewritten with every
 * change of its descriptor) and labels rewritten one by one. Any other snippet's label follows
 * from the head (identity, links, descriptor) and from the volume's {@link StripeLabels} (flag and
 * holders). So creating, cloning, resizing or re-placing a volume writes a few labels whatever its
 * size, and the catalog can still be rebuilt from the labels alone.
 *
 * <p>The head label also carries the volume's layers (snapshots, live layer, a clone's parent link):
 * every change of a layer record rewrites the owner's head label in the same batch, so a rebuild
 * ({@link LabelRebuild}) gives back the snapshots, clones and reference counts too.
 */
public final class SnippetLabels {
  private static final Logger log = LoggerFactory.getLogger(SnippetLabels.class);
  private static final String STRIPES = "label-stripes/";
  /** Left by stores that wrote every label in the background: nothing waits for them now. */
  private static final byte[] OLD_PENDING = "labels-pending/".getBytes(StandardCharsets.UTF_8);

  private final SnippetStore store;
  private final StoreDb db;

  SnippetLabels(SnippetStore store, StoreDb db) {
    this.store = store;
    this.db = db;
  }

  static byte[] stripesKey(long volumeId) {
    return (STRIPES + volumeId).getBytes(StandardCharsets.UTF_8);
  }

  // ---- what the catalog changes write ------------------------------------------------------------

  /** Adds a new volume's head label, carrying its layers (see {@link #layersOf}), to the batch that creates it. */
  static void addHead(JournalBatch batch, VolumeDescriptor d, List<Layer.Record> layers) {
    batch.put(Space.LABELS, StoreDb.key(d.id(), 0), SnippetLabel.initial(d, 0).withLayers(layers).encode());
  }

  /**
   * Adds to {@code batch}, which changes layer records of volume {@code owner}, the owner's head
   * label carrying its layers as they are once the batch is applied: those it owns now, with
   * {@code changed} put (by id) and {@code removed} gone. Nothing is added for a volume the store
   * no longer has.
   */
  void putHeadLayers(JournalBatch batch, long owner, Collection<Layer.Record> changed, Collection<Long> removed) {
    headToRewrite(owner).ifPresent(head -> batch.put(Space.LABELS, StoreDb.key(owner, 0),
        head.withLayers(layersOf(owner, changed, removed)).withGeneration(head.generation() + 1).encode()));
  }

  /**
   * The stored head label of a volume the store has, or a fresh one where it is missing (a volume
   * of an older store) or unreadable (it is rewritten whole); empty for a volume the store lacks.
   */
  private Optional<SnippetLabel> headToRewrite(long owner) {
    try {
      Optional<SnippetLabel> head = readStored(new SnippetRef(owner, 0));
      if (head.isPresent()) {
        return head;
      }
    } catch (IllegalArgumentException e) {
      log.error("head label of volume {} is unreadable ({}); it is written anew from the catalog", owner, e.getMessage());
    }
    return store.volumes().values().stream().filter(v -> v.id() == owner).findFirst()
        .map(v -> SnippetLabel.initial(v.descriptor(), 0));
  }

  /**
   * The records of the layers {@code owner} has in memory, with {@code changed} put and {@code
   * removed} gone, in id order; a volume's plain first layer is left out, as it has no record.
   */
  private List<Layer.Record> layersOf(long owner, Collection<Layer.Record> changed, Collection<Long> removed) {
    Map<Long, Layer.Record> out = new TreeMap<>();
    for (Layer l : store.layers().values()) {
      if (l.owner == owner) {
        out.put(l.id, l.record());
      }
    }
    changed.forEach(r -> out.put(r.id(), r));
    removed.forEach(out::remove);
    out.values().removeIf(Layer.Record::plain);
    if (out.size() > SnippetLabel.MAX_LAYERS) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "volume " + store.catalog().volumeName(owner)
          + " would have " + out.size() + " layers; it keeps at most " + SnippetLabel.MAX_LAYERS
          + " (delete snapshots first)");
    }
    return new ArrayList<>(out.values());
  }

  /** Adds to {@code batch} the stored labels of a volume rewritten for its new descriptor. */
  void relink(JournalBatch batch, VolumeDescriptor d) {
    Map<Long, SnippetLabel> stored = stored(d.id());
    stored.putIfAbsent(0L, SnippetLabel.initial(d, 0).withLayers(layersOf(d.id(), List.of(), List.of())));
    for (SnippetLabel l : stored.values()) {
      if (l.index() < d.snippets()) {
        batch.put(Space.LABELS, StoreDb.key(d.id(), l.index()), l.relinked(d, l.generation() + 1).encode());
      }
    }
  }

  /** Adds to {@code batch} the removal of every label of a volume. */
  static void deleteAll(JournalBatch batch, long volumeId) {
    batch.deleteRange(Space.LABELS, StoreDb.key(volumeId, 0), StoreDb.key(volumeId, Long.MAX_VALUE))
        .delete(Space.LABELS, StoreDb.key(volumeId, Long.MAX_VALUE))
        .delete(Space.META, stripesKey(volumeId));
  }

  /**
   * At start: a volume of an older store whose labels were still being written gets its head
   * label, and one whose head label does not carry its layers yet gets them, so a rebuild finds
   * both; the old markers go.
   */
  void ensureHeads(Iterable<Volume> volumes) throws RocksDBException {
    JournalBatch batch = new JournalBatch();
    int added = 0;
    for (Volume v : volumes) {
      Optional<SnippetLabel> head = headToRewrite(v.id());
      if (head.isPresent() && head.get().layers() == null) {
        SnippetLabel h = head.get();
        batch.put(Space.LABELS, StoreDb.key(v.id(), 0),
            h.withLayers(layersOf(v.id(), List.of(), List.of())).withGeneration(h.generation() + 1).encode());
        added++;
      }
    }
    try (RocksIterator it = db.iterator(Space.META)) {
      for (it.seek(OLD_PENDING); it.isValid() && startsWith(it.key(), OLD_PENDING); it.next()) {
        batch.delete(Space.META, it.key());
        added++;
      }
    }
    if (added > 0) {
      store.commit(batch);
    }
  }

  private static boolean startsWith(byte[] key, byte[] prefix) {
    return key.length >= prefix.length && java.util.Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
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

  // ---- reading ----------------------------------------------------------------------------------

  /** The label of one snippet, if the snippet exists. */
  public Optional<SnippetLabel> readLabel(SnippetRef ref) {
    store.checkOpen();
    Optional<SnippetLabel> own = readStored(ref);
    if (own.isPresent() || ref.index() <= 0) {
      return own;
    }
    return readStored(new SnippetRef(ref.volumeId(), 0))
        .filter(head -> ref.index() < head.descriptor().snippets())
        .map(head -> following(head, stripeLabels(ref.volumeId()), ref.index()));
  }

  /** All labels of a volume, in snippet order. */
  public List<SnippetLabel> labels(String volumeName) {
    store.checkOpen();
    VolumeDescriptor d = store.existing(volumeName).descriptor();
    Map<Long, SnippetLabel> stored = stored(d.id());
    SnippetLabel head = stored.getOrDefault(0L, SnippetLabel.initial(d, 0));
    StripeLabels table = stripeLabels(d.id());
    List<SnippetLabel> out = new ArrayList<>();
    for (long i = 0; i < d.snippets(); i++) {
      SnippetLabel own = stored.get(i);
      out.add(own != null ? own : following(head, table, i));
    }
    return out;
  }

  /** The flag and holders the volume's snippets carry, stripe by stripe (empty when never set). */
  public StripeLabels stripeLabels(long volumeId) {
    try {
      byte[] raw = db.get(Space.META, stripesKey(volumeId));
      return raw == null ? new StripeLabels(0, List.of()) : StripeLabels.decode(raw);
    } catch (RocksDBException e) {
      throw new VolumeAdminException(Reason.INTERNAL, "cannot read the stripe labels of volume "
          + volumeId + ": " + e.getMessage(), e);
    }
  }

  /** The label a snippet without a stored one carries: the head's identity, its stripe's copies. */
  private static SnippetLabel following(SnippetLabel head, StripeLabels table, long index) {
    VolumeDescriptor d = head.descriptor();
    StripeLabels.Stripe s = table.of(index);
    return new SnippetLabel(d.id(), index, SnippetLabel.linkBefore(d, index), SnippetLabel.linkAfter(d, index),
        d, Math.max(head.generation(), table.generation()), s.mode(), s.replicas(), null);
  }

  // ---- rewriting --------------------------------------------------------------------------------

  /**
   * Rewrites one label durably: {@code change} may set replicas and mode; identity, links and the
   * descriptor are the store's and stay as they are. The generation goes up by one.
   */
  public SnippetLabel updateLabel(SnippetRef ref, UnaryOperator<SnippetLabel> change) {
    store.checkOpen();
    return store.underAdminLock(() -> {
      SnippetLabel cur = readLabel(ref).orElseThrow(() ->
          new VolumeAdminException(Reason.NOT_FOUND, "no snippet " + ref));
      SnippetLabel wanted = change.apply(cur);
      SnippetLabel next = new SnippetLabel(cur.volumeId(), cur.index(), cur.previous(), cur.next(),
          cur.descriptor(), cur.generation() + 1, wanted.mode(), wanted.replicas(), cur.layers());
      store.commit(new JournalBatch().put(Space.LABELS, StoreDb.key(ref.volumeId(), ref.index()), next.encode()));
      return next;
    });
  }

  /**
   * Sets what every snippet of the volume carries, stripe by stripe, durably in one batch: the
   * table, the head label (stripe 0's), and labels stored one by one give way to their stripe's.
   *
   * @return whether anything changed
   */
  public boolean setStripeLabels(long volumeId, List<StripeLabels.Stripe> stripes) {
    store.checkOpen();
    return store.underAdminLock(() -> {
      StripeLabels old = stripeLabels(volumeId);
      Map<Long, SnippetLabel> stored = stored(volumeId);
      SnippetLabel head = stored.get(0L);
      if (head == null) {
        throw new VolumeAdminException(Reason.NOT_FOUND, "no volume with id " + volumeId);
      }
      StripeLabels table = new StripeLabels(old.generation() + 1, stripes);
      boolean headInLine = head.mode() == table.of(0).mode() && head.replicas().equals(table.of(0).replicas());
      if (old.stripes().equals(table.stripes()) && headInLine && stored.size() == 1) {
        return false;
      }
      JournalBatch batch = new JournalBatch().put(Space.META, stripesKey(volumeId), table.encode());
      for (SnippetLabel l : stored.values()) {
        if (l.index() == 0) {
          SnippetLabel next = new SnippetLabel(volumeId, 0, l.previous(), l.next(), l.descriptor(),
              l.generation() + 1, table.of(0).mode(), table.of(0).replicas(), l.layers());
          batch.put(Space.LABELS, StoreDb.key(volumeId, 0), next.encode());
        } else {
          batch.delete(Space.LABELS, StoreDb.key(volumeId, l.index()));
        }
      }
      store.commit(batch);
      return true;
    });
  }

  /**
   * Finds a whole volume from any one of its snippets by following the labels' previous and next
   * links, and its descriptor through the label's link (falling back on the label's own copy
   * when the catalog has lost it).
   */
  public VolumeWalk walkFrom(SnippetRef start) {
    store.checkOpen();
    SnippetLabel first = readLabel(start).orElseThrow(() ->
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
    return readLabel(ref).orElseThrow(() ->
        new VolumeAdminException(Reason.INTERNAL, "label link points at missing snippet " + ref));
  }

  /**
   * Rebuilds the catalog and the layer records from the snippet labels alone: every volume with a
   * head label comes back with the descriptor of its newest label, and with the snapshots, live
   * layer and parent link its head label names (see {@link LabelRebuild}). A volume the store does
   * not know yet is loaded at once if it is a plain one; one with snapshots or a parent is loaded
   * with them when the store next opens (its records are back now). Labels of a volume without a
   * head are reported and left out.
   */
  public RebuildReport rebuildIndexFromLabels() {
    store.checkOpen();
    return store.underAdminLock(() -> {
      LabelRebuild.Result r = new LabelRebuild(store, db).run();
      List<String> problems = new ArrayList<>(r.report().problems());
      for (VolumeDescriptor d : r.restored()) {
        Volume known = store.volumes().get(d.name());
        if ((known == null || known.id() != d.id()) && r.layered().contains(d.id())) {
          problems.add("volume " + d.name() + " (" + d.id() + ") has snapshots or a parent: it is loaded with them"
              + " when the store next opens");
          log.warn("rebuild from labels: {}", problems.get(problems.size() - 1));
          continue;
        }
        store.catalog().restored(d);
      }
      RebuildReport report = r.report();
      return new RebuildReport(report.volumes(), report.snippets(), report.layers(), problems);
    });
  }

  /** At start, before the volumes are loaded: {@link #rebuildIndexFromLabels} in the database only. */
  RebuildReport rebuildRecords() {
    return store.underAdminLock(() -> new LabelRebuild(store, db).run().report());
  }

  /** True if a head label names a layer that has no record (they are written in one batch). */
  boolean layersLackRecords() {
    return new LabelRebuild(store, db).layersLackRecords(labelledVolumeIds());
  }

  // ---- the stored labels ------------------------------------------------------------------------

  private Optional<SnippetLabel> readStored(SnippetRef ref) {
    try {
      byte[] raw = db.get(Space.LABELS, StoreDb.key(ref.volumeId(), ref.index()));
      return raw == null ? Optional.empty() : Optional.of(SnippetLabel.decode(raw));
    } catch (RocksDBException e) {
      throw new VolumeAdminException(Reason.INTERNAL, "cannot read label " + ref + ": " + e.getMessage(), e);
    }
  }

  /** The labels stored for a volume, by snippet index. */
  private Map<Long, SnippetLabel> stored(long volumeId) {
    Map<Long, SnippetLabel> out = new TreeMap<>();
    try (RocksIterator it = db.iterator(Space.LABELS)) {
      for (it.seek(StoreDb.key(volumeId, 0)); it.isValid() && StoreDb.first(it.key()) == volumeId; it.next()) {
        SnippetLabel l = SnippetLabel.decode(it.value());
        out.put(l.index(), l);
      }
    }
    return out;
  }
}
