package org.snipblock.store;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.locks.ReentrantLock;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.block.BlockDeviceException.Kind;
import org.snipblock.store.VolumeAdminException.Reason;
import org.snipblock.store.extent.ExtentFiles;
import org.snipblock.store.journal.Journal;
import org.snipblock.store.journal.JournalBatch;
import org.snipblock.store.journal.JournalBatch.Space;
import org.snipblock.store.qos.BackgroundBudget;
import org.snipblock.store.qos.ClientLoad;
import org.snipblock.store.qos.SchedulerTimer;

/**
 * The local storage engine of one node. Volumes are cut into snippets of fixed size, each with a
 * self-describing {@link SnippetLabel}; data is kept as 4 KiB chunks, each with a CRC32C: in the
 * volume's extent file ({@link ChunkData}), or LZ4-compressed in RocksDB for compressed volumes;
 * only written chunks take space. RocksDB keeps the small things: catalog, labels, layers and the
 * map of which slot holds each chunk (docs/store-layout.md).
 *
 * <p>Durability comes from the store's own journal ({@link Journal}): data is written to its slot
 * first, then every change is appended to the journal, then applied to RocksDB with RocksDB's WAL
 * off. FUA writes and flushes force the extent files and then fsync the journal; a checkpoint
 * flushes RocksDB and truncates the journal. After a crash, RocksDB holds some state not older than
 * the last checkpoint, and replaying the journal's intact records brings it to exactly what was
 * synced (or later).
 *
 * <p>Admin calls ({@link VolumeManager}) block their caller; {@link BlockDevice} calls never do.
 */
public final class SnippetStore implements VolumeManager, SnapshotManager, AutoCloseable {
  private final Path dataDir;
  private final StoreConfig config;
  private final StoreDb db;
  private final ChunkData chunkData;
  private final StoreThreads threads;
  private final StripeLocks locks = new StripeLocks();
  private final Map<String, Volume> volumes = new ConcurrentHashMap<>();
  /** Every layer of every volume (live, snapshot, being merged away), by layer id. */
  private final Map<Long, Layer> layers = new ConcurrentHashMap<>();
  private final Snapshots snapshots;
  private final SnapshotCatalog snapshotCatalog = new SnapshotCatalog();
  private final Flattener flattener;
  private final SchedulerTimer backgroundTimer = new SchedulerTimer("background");
  private final BackgroundBudget background;
  private final SnippetLabels labels;
  private final SpaceAccounting space;
  private final ReentrantLock admin = new ReentrantLock();
  private final VolumeCatalog catalog = new VolumeCatalog(this);
  private final StoreShutdown shutdown;
  private Journal journal;
  private volatile boolean closed;
  private volatile boolean abandoned;

  SnippetStore(Path dataDir, StoreConfig config, StoreDb db, ExtentFiles extents) {
    this.dataDir = dataDir;
    this.chunkData = new ChunkData(db, extents);
    this.config = config;
    this.db = db;
    this.threads = new StoreThreads(config.ioThreads());
    this.snapshots = new Snapshots(this, threads.maintenance);
    this.background = new BackgroundBudget(backgroundTimer, config.backgroundBytesPerSecond(), new ClientLoad());
    this.flattener = new Flattener(this, snapshots, background);
    this.labels = new SnippetLabels(this, db);
    this.space = new SpaceAccounting(dataDir, config, layers);
    this.shutdown = new StoreShutdown(dataDir, flattener, background, backgroundTimer, threads, admin, db, chunkData);
  }

  /**
   * Opens (or creates) the store under {@code dataDir}: replays the journal over RocksDB,
   * checkpoints, loads the catalog (rebuilding it from labels if entries are missing) and the
   * allocation of every volume.
   */
  public static SnippetStore open(Path dataDir, StoreConfig config) throws IOException {
    return StoreOpening.open(dataDir, config);
  }

  /** Called once by {@link StoreOpening}, before anything else uses the store. */
  void started(Journal journal) {
    this.journal = journal;
  }

  public Path dataDir() {
    return dataDir;
  }

  public StoreConfig config() {
    return config;
  }

  /** The node's background budget: what its flattens, and on a cluster its resyncs and scrubs, ask before each piece. */
  @Override
  public BackgroundBudget background() {
    return background;
  }

  // ---- VolumeManager -------------------------------------------------------------------------

  @Override
  public VolumeInfo create(VolumeSpec spec) {
    return catalog.create(spec);
  }

  @Override
  public List<VolumeInfo> list() {
    return catalog.list();
  }

  @Override
  public Optional<VolumeInfo> show(String name) {
    return catalog.show(name);
  }

  @Override
  public VolumeInfo resize(String name, long newSize) {
    return catalog.resize(name, newSize);
  }

  @Override
  public void delete(String name) {
    catalog.delete(name);
  }

  @Override
  public List<String> names() {
    return catalog.names();
  }

  /**
   * A new handle on the volume, or on a snapshot as {@code VOLUME@SNAPSHOT} (read-only); each
   * handle is closed on its own and never deletes anything.
   */
  @Override
  public Optional<BlockDevice> open(String name) {
    return closed ? Optional.empty() : catalog.open(name);
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

  /**
   * The volume's snapshots as the last admin step left them: a listing waits for no step under way
   * (see {@link SnapshotCatalog}). Inside a step, the step's own changes are listed too.
   */
  @Override
  public List<SnapshotInfo> snapshots(String volume) {
    Volume v = existing(volume);
    return admin.isHeldByCurrentThread() ? snapshots.list(v) : snapshots.published(v);
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
      return catalog.info(v);
    });
  }

  @Override
  public VolumeInfo cloneVolume(String volume, String snapshot, String newName, long newSize) {
    return underAdminLock(() -> catalog.info(snapshots.cloneOf(existing(volume), snapshot, newName, newSize)));
  }

  @Override
  public VolumeInfo setReadOnly(String volume, boolean readOnly) {
    return catalog.setReadOnly(volume, readOnly);
  }

  @Override
  public CompletableFuture<Void> flatten(String volume) {
    return underAdminLock(() -> flattener.start(existing(volume)));
  }

  @Override
  public BlockDevice fillSnapshot(String volume, String snapshot) {
    return catalog.openFill(volume, snapshot);
  }

  @Override
  public List<long[]> diff(String volume, String from, String to) {
    return underAdminLock(() -> snapshots.diff(existing(volume), from, to));
  }

  VolumeCatalog catalog() {
    return catalog;
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

  Flattener flattener() {
    return flattener;
  }

  Snapshots snapshotOps() {
    return snapshots;
  }

  SnapshotCatalog snapshotCatalog() {
    return snapshotCatalog;
  }

  /** Every snippet's label: read, rewritten, walked, and the catalog rebuilt from them. */
  public SnippetLabels labelIndex() {
    return labels;
  }

  StoreDb db() {
    return db;
  }

  ChunkData chunkData() {
    return chunkData;
  }

  Journal journal() {
    return journal;
  }

  ExecutorService io() {
    return threads.io;
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
    threads.compactLater(db, space, begin, end, this::closing);
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
      try {
        // A nested step may be part of a larger one: only the outermost leaves a whole state.
        if (admin.getHoldCount() == 1) {
          snapshotCatalog.publish(volumes.values(), layers.values());
        }
      } finally {
        admin.unlock();
      }
    }
  }

  /** Publishes the snapshots the store opened with; from then on every admin step publishes its own. */
  void publishSnapshots() {
    admin.lock();
    try {
      snapshotCatalog.publish(volumes.values(), layers.values());
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

  void checkOpen() {
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
    shutdown.inOrder(journal);
  }

  /**
   * Stops as a crash would: queued work is dropped, nothing is synced or checkpointed and RocksDB
   * closes without flushing its memtables. With a journal layer that also forgets unsynced bytes,
   * what remains on disk is what a power loss would leave.
   */
  void closeAbruptly() {
    closed = true;
    abandoned = true;
    shutdown.asInCrash(journal);
  }
}
