package org.snipblock.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;
import org.rocksdb.RocksIterator;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.block.BlockDeviceException.Kind;
import org.snipblock.store.VolumeAdminException.Reason;
import org.snipblock.store.journal.Journal;
import org.snipblock.store.journal.JournalBatch;
import org.snipblock.store.journal.JournalBatch.Space;
import org.snipblock.store.journal.JournalIo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local storage engine of one node. Volumes are cut into snippets of fixed size, each with a
 * self-describing {@link SnippetLabel}; data is kept as 4 KiB chunks in RocksDB, each sealed with
 * CRC32C and optionally LZ4-compressed; only written chunks take space.
 *
 * <p>Durability comes from the store's own journal ({@link Journal}): every change is appended
 * there first, then applied to RocksDB with RocksDB's WAL off. FUA writes and flushes fsync the
 * journal; a checkpoint flushes RocksDB and truncates the journal. After a crash, RocksDB holds
 * some state not older than the last checkpoint, and replaying the journal's intact records brings
 * it to exactly what was synced (or later).
 *
 * <p>Admin calls ({@link VolumeManager}) block their caller; {@link BlockDevice} calls never do.
 */
public final class SnippetStore implements VolumeManager, SnapshotManager, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SnippetStore.class);
  private static final long DELETE_DRAIN_MILLIS = 60_000;

  private final Path dataDir;
  private final StoreConfig config;
  private final StoreDb db;
  private final JournalIo journalIo;
  private final ThreadPoolExecutor io;
  private final ExecutorService maintenance;
  private final StripeLocks locks = new StripeLocks();
  private final Map<String, Volume> volumes = new ConcurrentHashMap<>();
  /** Every layer of every volume (live, snapshot, being merged away), by layer id. */
  private final Map<Long, Layer> layers = new ConcurrentHashMap<>();
  private final Snapshots snapshots;
  private final Flattener flattener;
  private final SnippetLabels labels;
  private final SpaceAccounting space;
  private final ReentrantLock admin = new ReentrantLock();
  private final SecureRandom random = new SecureRandom();
  private Journal journal;
  private volatile boolean closed;
  private volatile boolean abandoned;

  private SnippetStore(Path dataDir, StoreConfig config, StoreDb db, JournalIo journalIo) {
    this.dataDir = dataDir;
    this.config = config;
    this.db = db;
    this.journalIo = journalIo;
    AtomicInteger n = new AtomicInteger();
    this.io = new ThreadPoolExecutor(config.ioThreads(), config.ioThreads(), 60, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), r -> daemon(r, "snippet-io-" + n.incrementAndGet()));
    this.maintenance = Executors.newSingleThreadExecutor(r -> daemon(r, "snippet-maintenance"));
    this.snapshots = new Snapshots(this, maintenance);
    this.flattener = new Flattener(this, snapshots, config.backgroundBytesPerSecond());
    this.labels = new SnippetLabels(this, db, maintenance);
    this.space = new SpaceAccounting(dataDir, config, layers);
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /**
   * Opens (or creates) the store under {@code dataDir}: replays the journal over RocksDB,
   * checkpoints, loads the catalog (rebuilding it from labels if entries are missing) and the
   * allocation of every volume.
   */
  public static SnippetStore open(Path dataDir, StoreConfig config) throws IOException {
    Files.createDirectories(dataDir);
    if (!Files.isWritable(dataDir)) {
      throw new IOException("data directory " + dataDir + " is not writable");
    }
    StoreDb db;
    try {
      db = new StoreDb(dataDir.resolve("db"), config.memtableBytes());
    } catch (org.rocksdb.RocksDBException e) {
      throw new IOException("cannot open the store database in " + dataDir + ": " + e.getMessage(), e);
    }
    SnippetStore store = null;
    try {
      JournalIo jio = config.journalIo().open(dataDir.resolve("journal"));
      Journal.Replay replay = Journal.replay(jio, db::apply);
      db.checkpoint();
      jio.delete(replay.segments());
      if (replay.records() > 0) {
        log.info("replayed {} journal records up to sequence {}", replay.records(), replay.lastSeq());
      }
      store = new SnippetStore(dataDir, config, db, jio);
      store.journal = Journal.start(jio, replay.lastSeq() + 1, db::apply, db::checkpoint, store.io,
          config.checkpointBytes(), config.checkpointInterval(), "snippet-journal");
      new StoreLoader(store).load();
      return store;
    } catch (Exception e) {
      if (store != null) {
        store.closeAbruptly();
      } else {
        db.close();
      }
      if (e instanceof IOException ioe) {
        throw ioe;
      }
      throw new IOException("cannot open the store in " + dataDir + ": " + e.getMessage(), e);
    }
  }

  public Path dataDir() {
    return dataDir;
  }

  public StoreConfig config() {
    return config;
  }

  // ---- VolumeManager -------------------------------------------------------------------------

  @Override
  public VolumeInfo create(VolumeSpec spec) {
    VolumeRules.checkName(spec.name());
    VolumeRules.checkSize(spec.size());
    int snippetSize = spec.snippetSize() == 0 ? config.defaultSnippetSize() : spec.snippetSize();
    VolumeRules.checkSnippetSize(snippetSize);
    VolumeRules.checkBlockSize(spec.blockSize());
    return underAdminLock(() -> {
      if (volumes.containsKey(spec.name())) {
        throw new VolumeAdminException(Reason.ALREADY_EXISTS, "volume " + spec.name() + " already exists");
      }
      VolumeDescriptor d = new VolumeDescriptor(newVolumeId(), spec.name(), spec.size(), snippetSize,
          spec.blockSize(), spec.compression(), System.currentTimeMillis(), spec.readOnly());
      return info(addVolume(d, null));
    });
  }

  /**
   * Records a new volume (under the admin lock): its catalog entry, a marker that its labels are
   * pending and, for a clone, the record of its live layer reading through to {@code parent}, in
   * one batch; the labels follow in the background.
   */
  Volume addVolume(VolumeDescriptor d, Layer parent) {
    Volume v = new Volume(d);
    // The catalog entry with a marker: labels follow in the background, so creating a volume or a
    // clone costs the same whatever its size; a crash before they are all written leaves the
    // marker, and the next start writes them again.
    JournalBatch batch = new JournalBatch().put(Space.CATALOG, StoreDb.key(d.id()), d.encode())
        .put(Space.META, SnippetLabels.pendingKey(d.id()), new byte[] {1});
    if (parent != null) {
      v.live().parent(parent);
      batch.put(Space.LAYERS, StoreDb.key(d.id()), v.live().record().encode());
    }
    commit(batch);
    labels.fill(d);
    volumes.put(d.name(), v);
    layers.put(v.live().id, v.live());
    log.info("created volume {} ({} bytes, {} snippets of {} bytes, block size {}, compression {}{}{})",
        d.name(), d.size(), d.snippets(), d.snippetSize(), d.blockSize(), d.compression(),
        d.readOnly() ? ", read-only" : "", parent == null ? "" : ", clone of " + volumeName(parent.owner)
            + "@" + parent.snapshot());
    return v;
  }

  /** What {@code volume show} reports of a volume. */
  VolumeInfo info(Volume v) {
    return v.info(ownLayers(v), this::volumeName, flattener.progress(v));
  }

  /**
   * Every layer a volume owns: its live layer, its snapshots (also those a rollback left off the
   * live chain) and snapshots being merged away.
   */
  List<Layer> ownLayers(Volume v) {
    List<Layer> out = new ArrayList<>();
    for (Layer l : layers.values()) {
      if (l.owner == v.id()) {
        out.add(l);
      }
    }
    out.sort(Comparator.comparingLong(Layer::createdMillis).thenComparingLong(l -> l.id));
    return out;
  }

  /** The name of the volume with this id, or the id itself if it is gone. */
  String volumeName(long id) {
    for (Volume v : volumes.values()) {
      if (v.id() == id) {
        return v.descriptor().name();
      }
    }
    return String.valueOf(id);
  }

  @Override
  public List<VolumeInfo> list() {
    checkOpen();
    List<VolumeInfo> out = new ArrayList<>();
    volumes.values().forEach(v -> out.add(info(v)));
    out.sort(Comparator.comparing(VolumeInfo::name));
    return out;
  }

  @Override
  public Optional<VolumeInfo> show(String name) {
    checkOpen();
    return Optional.ofNullable(volumes.get(name)).map(this::info);
  }

  @Override
  public VolumeInfo resize(String name, long newSize) {
    VolumeRules.checkSize(newSize);
    labels.awaitFilled(existing(name));
    return underAdminLock(() -> {
      Volume v = existing(name);
      VolumeDescriptor old = v.descriptor();
      if (newSize < old.size()) {
        throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "volume " + name + " is "
            + old.size() + " bytes; shrinking to " + newSize + " would destroy data and is refused");
      }
      if (newSize == old.size()) {
        return info(v);
      }
      VolumeDescriptor d = old.withSize(newSize);
      List<SnippetLabel> relinked = new ArrayList<>();
      for (long i = 0; i < d.snippets(); i++) {
        Optional<SnippetLabel> cur = labels.readLabelRaw(new SnippetRef(d.id(), i));
        relinked.add(cur.map(l -> l.relinked(d, l.generation() + 1)).orElse(SnippetLabel.initial(d, i)));
      }
      labels.writeLabels(relinked);
      commit(new JournalBatch().put(Space.CATALOG, StoreDb.key(d.id()), d.encode()));
      v.descriptor(d);
      log.info("resized volume {} from {} to {} bytes", name, old.size(), newSize);
      return info(v);
    });
  }

  @Override
  public void delete(String name) {
    labels.awaitFilled(existing(name));
    underAdminLock(() -> {
      Volume v = existing(name);
      snapshots.checkNoClones(v);
      try {
        if (!v.markDeletedAndDrain(DELETE_DRAIN_MILLIS)) {
          throw new VolumeAdminException(Reason.INTERNAL, "requests to " + name + " did not finish in time");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new VolumeAdminException(Reason.INTERNAL, "interrupted while deleting " + name);
      }
      volumes.remove(name);
      long id = v.id();
      JournalBatch batch = new JournalBatch()
          .delete(Space.CATALOG, StoreDb.key(id))
          .delete(Space.META, VolumeQosStore.key(id))
          .deleteRange(Space.LABELS, StoreDb.key(id, 0), StoreDb.key(id, Long.MAX_VALUE));
      List<Layer> own = ownLayers(v);
      own.forEach(l -> Snapshots.dropChunks(batch, l).delete(Space.LAYERS, StoreDb.key(l.id)));
      commit(batch);
      for (Layer l : own) {
        l.drop();
        layers.remove(l.id);
        compactLater(Space.BLOCKS, StoreDb.key(l.id, 0), StoreDb.key(l.id, Long.MAX_VALUE));
        compactLater(Space.ALLOCATION, StoreDb.key(l.id, 0), StoreDb.key(l.id, Long.MAX_VALUE));
      }
      compactLater(Space.LABELS, StoreDb.key(id, 0), StoreDb.key(id, Long.MAX_VALUE));
      log.info("deleted volume {}{}", name, own.size() > 1 ? " and its " + (own.size() - 1) + " snapshots" : "");
      return null;
    });
  }

  @Override
  public List<String> names() {
    List<String> names = new ArrayList<>(volumes.keySet());
    Collections.sort(names);
    return names;
  }

  /**
   * A new handle on the volume, or on a snapshot as {@code VOLUME@SNAPSHOT} (read-only); each
   * handle is closed on its own and never deletes anything.
   */
  @Override
  public Optional<BlockDevice> open(String name) {
    if (closed) {
      return Optional.empty();
    }
    int at = name.indexOf('@');
    Volume v = volumes.get(at < 0 ? name : name.substring(0, at));
    if (v == null) {
      return Optional.empty();
    }
    if (at < 0) {
      return Optional.of(new VolumeDevice(this, v, null));
    }
    return snapshots.find(v, name.substring(at + 1)).map(l -> new VolumeDevice(this, v, l));
  }

  // ---- snapshots and clones (SnapshotManager) -------------------------------------------------

  @Override
  public List<SnapshotInfo> snapshot(List<String> volumeNames, String snapshot) {
    return underAdminLock(() -> snapshots.take(volumeNames, snapshot, 0));
  }

  @Override
  public SnapshotInfo snapshotImported(String volume, String snapshot, long origin) {
    return underAdminLock(() -> snapshots.take(List.of(volume), snapshot, origin).get(0));
  }

  @Override
  public List<SnapshotInfo> snapshots(String volume) {
    return underAdminLock(() -> snapshots.list(existing(volume)));
  }

  @Override
  public void deleteSnapshot(String volume, String snapshot) {
    underAdminLock(() -> {
      snapshots.delete(existing(volume), snapshot);
      return null;
    });
  }

  @Override
  public void deleteSnapshotLater(String volume, String snapshot) {
    underAdminLock(() -> {
      snapshots.deleteLater(existing(volume), snapshot);
      return null;
    });
  }

  @Override
  public VolumeInfo rollback(String volume, String snapshot, boolean force) {
    return underAdminLock(() -> {
      Volume v = existing(volume);
      snapshots.rollback(v, snapshot, force);
      return info(v);
    });
  }

  @Override
  public VolumeInfo cloneVolume(String volume, String snapshot, String newName, long newSize) {
    return underAdminLock(() -> info(snapshots.cloneOf(existing(volume), snapshot, newName, newSize)));
  }

  @Override
  public VolumeInfo setReadOnly(String volume, boolean readOnly) {
    return underAdminLock(() -> {
      Volume v = existing(volume);
      VolumeDescriptor d = v.descriptor().withReadOnly(readOnly);
      commit(new JournalBatch().put(Space.CATALOG, StoreDb.key(d.id()), d.encode()));
      v.descriptor(d);
      log.info("volume {} is now {}", volume, readOnly ? "read-only" : "writable");
      return info(v);
    });
  }

  @Override
  public CompletableFuture<Void> flatten(String volume) {
    return underAdminLock(() -> flattener.start(existing(volume)));
  }

  @Override
  public List<long[]> diff(String volume, String from, String to) {
    return underAdminLock(() -> snapshots.diff(existing(volume), from, to));
  }

  // ---- labels (SnippetLabels) -----------------------------------------------------------------

  /** The label of one snippet, if the snippet exists. */
  public Optional<SnippetLabel> readLabel(SnippetRef ref) {
    checkOpen();
    labels.awaitFilled(ref.volumeId());
    return labels.readLabel(ref);
  }

  /** All labels of a volume, in snippet order. */
  public List<SnippetLabel> labels(String volumeName) {
    return labels.labels(existing(volumeName));
  }

  /**
   * Rewrites one label durably: {@code change} may set replicas and mode; identity, links and the
   * descriptor are the store's and stay as they are. The generation goes up by one.
   */
  public SnippetLabel updateLabel(SnippetRef ref, UnaryOperator<SnippetLabel> change) {
    checkOpen();
    return labels.updateLabel(ref, change);
  }

  /**
   * Finds a whole volume from any one of its snippets by following the labels' previous and next
   * links, and its descriptor through the label's link (falling back on the label's own copy
   * when the catalog has lost it).
   */
  public VolumeWalk walkFrom(SnippetRef start) {
    checkOpen();
    return labels.walkFrom(start);
  }

  /**
   * Rebuilds the catalog from the snippet labels alone: for each volume the labels name, checks
   * that its labels form a complete chain and writes the catalog entry from the newest label's
   * descriptor. Volumes whose labels are incomplete are reported and left out.
   */
  public RebuildReport rebuildIndexFromLabels() {
    checkOpen();
    return labels.rebuildIndexFromLabels();
  }

  /** A volume a rebuild put back in the catalog: known from now on, with its allocation. */
  void restored(VolumeDescriptor d) {
    Volume v = volumes.get(d.name());
    if (v != null && v.id() == d.id()) {
      return;
    }
    Volume nv = new Volume(d);
    volumes.put(d.name(), nv);
    layers.put(nv.live().id, nv.live());
    try (RocksIterator it = db.iterator(Space.ALLOCATION)) {
      for (it.seek(StoreDb.key(nv.id(), 0)); it.isValid() && StoreDb.first(it.key()) == nv.id(); it.next()) {
        nv.live().map.set(StoreDb.second(it.key()), AllocationMap.decodeState(it.value()));
      }
    }
  }


  // ---- numbers -------------------------------------------------------------------------------

  public StoreStats stats() {
    checkOpen();
    return space.stats(volumes.values(), db.liveSstBytes(), journal.segmentBytes());
  }

  // ---- used by VolumeDevice and Snapshots ----------------------------------------------------

  Map<String, Volume> volumes() {
    return volumes;
  }

  Map<Long, Layer> layers() {
    return layers;
  }

  Snapshots snapshotOps() {
    return snapshots;
  }

  SnippetLabels labelIndex() {
    return labels;
  }

  StoreDb db() {
    return db;
  }

  Journal journal() {
    return journal;
  }

  ExecutorService io() {
    return io;
  }

  /** True once the store is closing or closed. */
  boolean closing() {
    return closed;
  }

  /** True once the store is going down as in a crash: queued requests then fail instead of running. */
  boolean abandoned() {
    return abandoned;
  }

  StripeLocks locks() {
    return locks;
  }

  /** Refuses a change that would take {@code delta} more bytes than the store may use. */
  void checkSpace(long delta) {
    space.check(delta);
  }

  /** Gives trimmed or deleted space back to the file system soon, off the data path. */
  void compactLater(Space space, byte[] begin, byte[] end) {
    try {
      maintenance.execute(() -> {
        if (closed) {
          return;
        }
        try {
          db.compact(space, begin, end);
        } catch (Exception e) {
          log.warn("background compaction failed", e);
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException ignored) {
      // closing: the next start compacts as RocksDB sees fit
    }
  }

  // ---- admin plumbing ------------------------------------------------------------------------

  interface AdminStep<T> {
    T run();
  }

  <T> T underAdminLock(AdminStep<T> step) {
    checkOpen();
    admin.lock();
    try {
      checkOpen();
      return step.run();
    } finally {
      admin.unlock();
    }
  }

  void commit(JournalBatch batch) {
    try {
      // Admin changes commit under stripe locks that the I/O threads may be waiting for.
      journal.commitHoldingLocks(batch);
    } catch (RuntimeException e) {
      Throwable c = e.getCause() != null ? e.getCause() : e;
      if (BlockDeviceException.kindOf(c) == Kind.NO_SPACE) {
        throw new VolumeAdminException(Reason.NO_SPACE, "no space left to record the change", c);
      }
      throw new VolumeAdminException(Reason.INTERNAL, "the store could not record the change: " + c.getMessage(), c);
    }
  }

  Volume existing(String name) {
    checkOpen();
    Volume v = volumes.get(name);
    if (v == null) {
      throw new VolumeAdminException(Reason.NOT_FOUND, "no volume named " + name);
    }
    return v;
  }

  /** A fresh id for a volume or a layer: the two share one key space. */
  long newVolumeId() {
    Set<Long> used = new HashSet<>(layers.keySet());
    volumes.values().forEach(v -> used.add(v.id()));
    used.addAll(labels.labelledVolumeIds());
    long id;
    do {
      id = random.nextLong() & 0x3fff_ffff_ffff_ffffL;
    } while (id == 0 || used.contains(id));
    return id;
  }

  private void checkOpen() {
    if (closed) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "the store is closed");
    }
  }

  // ---- shutdown ------------------------------------------------------------------------------

  /**
   * Shuts down cleanly: requests already accepted complete, everything is made durable, RocksDB
   * is checkpointed and the journal emptied. Open device handles fail with UNAVAILABLE afterwards.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    flattener.close();
    io.shutdown();
    try {
      if (!io.awaitTermination(60, TimeUnit.SECONDS)) {
        log.warn("I/O threads did not finish within 60 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // Background work (label writing, compaction) still commits through the journal: it ends first.
    maintenance.shutdown();
    try {
      maintenance.awaitTermination(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    journal.close();
    db.close();
    log.info("snippet store in {} closed", dataDir);
  }

  /**
   * Stops as a crash would: queued work is dropped, nothing is synced or checkpointed and RocksDB
   * closes without flushing its memtables. With a journal layer that also forgets unsynced bytes,
   * what remains on disk is what a power loss would leave.
   */
  void closeAbruptly() {
    closed = true;
    abandoned = true;
    flattener.close();
    io.shutdown();
    if (journal != null) {
      journal.abandon();
    }
    maintenance.shutdownNow();
    try {
      if (!io.awaitTermination(30, TimeUnit.SECONDS)) {
        log.warn("I/O threads did not stop within 30 s");
      }
      maintenance.awaitTermination(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    db.close();
  }
}
