package org.snipblock.store;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.rocksdb.AbstractEventListener;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Cache;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushJobInfo;
import org.rocksdb.FlushOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.snipblock.store.journal.JournalBatch;
import org.snipblock.store.journal.JournalBatch.Space;

/**
 * The store's RocksDB: one column family per {@link Space}, written only with the WAL off (the
 * journal is the log) and never flushed at shutdown except by an explicit checkpoint, so what is
 * on disk is always a state the journal can bring forward.
 */
final class StoreDb implements AutoCloseable, org.snipblock.store.journal.Journal.Applier {
  static {
    RocksDB.loadLibrary();
  }

  private static final Map<Space, String> NAMES = Map.of(
      Space.META, "default", Space.CATALOG, "catalog", Space.LABELS, "labels", Space.BLOCKS, "blocks",
      Space.ALLOCATION, "allocation", Space.LAYERS, "layers");

  private final DBOptions dbOptions;
  private final List<ColumnFamilyOptions> cfOptions = new ArrayList<>();
  private final RocksDB db;
  private final EnumMap<Space, ColumnFamilyHandle> handles = new EnumMap<>(Space.class);
  private final WriteOptions noWal = new WriteOptions().setDisableWAL(true);
  /** The monitor of every write and of {@link #held}; see {@link #write}. */
  private final WriteBatch applyBatch = new WriteBatch();
  /** Most records held back: replay applies a whole journal without settling in between. */
  private static final int HELD_MAX = 256;
  /** Journal records applied but held back from RocksDB, in order (see {@link #apply}). */
  private final List<JournalBatch> held = new ArrayList<>();
  /** Whether {@link #held} has records; written under the monitor. */
  private volatile boolean holding;
  /** The sequence number of the last record in {@link #held}. */
  private long heldSeq = -1;
  /** Guarded by {@link #applyBatch}. */
  private boolean closed;
  private final ReadOptions reads = new ReadOptions();
  /**
   * Uncompressed blocks kept in memory (filled lazily). Hot chunks are then served without a
   * system call.
   */
  private static final long BLOCK_CACHE_BYTES = 256L << 20;
  /**
   * RocksDB data blocks of four chunks. With one 4 KiB chunk per block, a 128 KiB read cost 32
   * index searches and reads; in-process on 512 MiB with a 256 MiB cache (2 cores, under load),
   * 16 KiB blocks read 128 KiB sequentially ~1.5x faster and 4 KiB at random ~1.5x faster too
   * (smaller index, more chunks per cached block); 64 KiB blocks were faster still sequentially
   * (~2x) but slower at random than 4 KiB.
   */
  private static final long DATA_BLOCK_BYTES = 16 << 10;
  /** Key (default column family) of the last journal record applied: see {@link #apply}. */
  private static final byte[] APPLIED_SEQ = "journal-applied-seq".getBytes(java.nio.charset.StandardCharsets.UTF_8);
  private final Cache blockCache = new LRUCache(BLOCK_CACHE_BYTES);
  private final BloomFilter bloom = new BloomFilter(10);
  private final FlushListener flushListener;

  private static final class FlushListener extends AbstractEventListener {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(FlushListener.class);
    private final BeforeFlush hook;

    FlushListener(BeforeFlush hook) {
      super(EnabledEventCallback.ON_FLUSH_BEGIN);
      this.hook = hook;
    }

    @Override
    public void onFlushBegin(RocksDB db, FlushJobInfo info) {
      try {
        hook.run();
      } catch (java.io.IOException | RuntimeException e) {
        // RocksDB cannot be stopped from here; the journal's next sync fails on the same error.
        log.error("syncing extent files before a RocksDB flush failed", e);
      }
    }
  }
  /** Runs before RocksDB writes a memtable out: what its entries name must be durable first. */
  @FunctionalInterface
  interface BeforeFlush {
    BeforeFlush NONE = () -> { };

    void run() throws java.io.IOException;
  }

  StoreDb(Path dir, long memtableBytes) throws RocksDBException, java.io.IOException {
    this(dir, memtableBytes, BeforeFlush.NONE);
  }

  /**
   * @param beforeFlush runs before every flush, RocksDB's own (a full memtable) included: the map
   *     entries being flushed name extent slots, whose data must reach the disk before they do
   */
  StoreDb(Path dir, long memtableBytes, BeforeFlush beforeFlush) throws RocksDBException, java.io.IOException {
    Files.createDirectories(dir);
    flushListener = new FlushListener(beforeFlush);
    dbOptions = new DBOptions()
        .setListeners(List.of(flushListener))
        .setCreateIfMissing(true)
        .setCreateMissingColumnFamilies(true)
        .setAvoidFlushDuringShutdown(true)
        // With the WAL off, only flushing every column family together keeps BLOCKS and
        // ALLOCATION in step on disk when a memtable fills up between checkpoints.
        .setAtomicFlush(true)
        .setMaxBackgroundJobs(2)
        .setKeepLogFileNum(3);
    List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
    for (Space s : Space.values()) {
      boolean busy = s == Space.BLOCKS || s == Space.ALLOCATION;
      ColumnFamilyOptions o = new ColumnFamilyOptions()
          .setWriteBufferSize(busy ? memtableBytes : Math.min(memtableBytes, 8L << 20));
      if (s == Space.ALLOCATION) {
        // Every chunk written puts its map entry again (a rewrite in place changes its CRC32C):
        // a memtable as large as the blocks' keeps a stream of rewrites from flushing (and
        // compacting) the same keys every half second; a spare buffer takes writes during a flush.
        o.setMaxWriteBufferNumber(3);
      }
      if (s == Space.BLOCKS) {
        // Chunks are already LZ4-compressed when the volume wants it; compressing again only
        // burns CPU. More write buffers let writes continue while one is being flushed.
        // Bloom filters answer "never written" (holes) without reading a data block.
        o.setTableFormatConfig(new BlockBasedTableConfig()
                .setBlockCache(blockCache)
                .setFilterPolicy(bloom)
                .setWholeKeyFiltering(true)
                .setBlockSize(DATA_BLOCK_BYTES))
            .setLevelCompactionDynamicLevelBytes(true)
            .setCompressionType(CompressionType.NO_COMPRESSION)
            .setMaxWriteBufferNumber(4)
            .setTargetFileSizeBase(64L << 20);
      }
      cfOptions.add(o);
      descriptors.add(new ColumnFamilyDescriptor(
          NAMES.get(s).getBytes(java.nio.charset.StandardCharsets.UTF_8), o));
    }
    List<ColumnFamilyHandle> hs = new ArrayList<>();
    db = RocksDB.open(dbOptions, dir.toString(), descriptors, hs);
    for (Space s : Space.values()) {
      handles.put(s, hs.get(s.ordinal()));
    }
  }

  ColumnFamilyHandle cf(Space s) {
    return handles.get(s);
  }

  /**
   * Applies journal records up to {@code lastSeq}, and notes that number in the same write: every
   * state of the database that reaches the disk (flushes are atomic across column families) then
   * says which records it holds, and replay skips them.
   *
   * <p>Records that only put chunk map entries (a client write to an extent file) are held back
   * until {@link #settle}, which the journal calls once it has answered them, or until anything
   * reads, writes or flushes the database: while the store runs, the in-memory maps answer for
   * those entries, and RocksDB only keeps them for the next start, which replays whatever it lacks
   * from the journal. A depth-1 write is so answered without waiting for its memtable insert.
   */
  @Override
  public void apply(List<JournalBatch> batches, long lastSeq) throws RocksDBException {
    synchronized (applyBatch) {
      if (lastSeq >= 0 && held.size() < HELD_MAX && onlyMapEntries(batches)) {
        checkOpen();
        held.addAll(batches);
        heldSeq = lastSeq;
        holding = true;
        return;
      }
      write(batches, lastSeq);
    }
  }

  /** A change outside the journal (tests that damage the database): the applied record stays as it was. */
  void apply(List<JournalBatch> batches) throws RocksDBException {
    synchronized (applyBatch) {
      write(batches, -1);
    }
  }

  /** Applies the records held back by {@link #apply}, if any. */
  @Override
  public void settle() throws RocksDBException {
    // Unlocked first look: reads of compressed volumes' chunks come here from many threads. A
    // record held before a request was answered is seen, as the answer follows the volatile write.
    if (!holding) {
      return;
    }
    synchronized (applyBatch) {
      if (!held.isEmpty()) {
        write(List.of(), -1);
      }
    }
  }

  private static boolean onlyMapEntries(List<JournalBatch> batches) {
    for (JournalBatch b : batches) {
      for (JournalBatch.Op op : b.ops()) {
        if (op.kind() != JournalBatch.OpKind.PUT || op.space() != Space.ALLOCATION) {
          return false;
        }
      }
    }
    return true;
  }

  private void checkOpen() throws RocksDBException {
    if (closed) {
      throw new RocksDBException("the store's database is closed");
    }
  }

  /** Under the monitor: the held records, then {@code batches}, in one write. */
  private void write(List<JournalBatch> batches, long lastSeq) throws RocksDBException {
    // One native batch for every write, cleared after each: a new one per write cost a native
    // allocation and two more JNI calls on every client write.
    checkOpen();
    long seq = lastSeq >= 0 ? lastSeq : held.isEmpty() ? -1 : heldSeq;
    try {
      if (seq >= 0) {
        applyBatch.put(handles.get(Space.META), APPLIED_SEQ, ByteBuffer.allocate(8).putLong(seq).array());
      }
      add(held);
      add(batches);
      db.write(noWal, applyBatch);
      held.clear();
      holding = false;
    } finally {
      applyBatch.clear();
    }
  }

  private void add(List<JournalBatch> batches) throws RocksDBException {
    for (JournalBatch b : batches) {
      for (JournalBatch.Op op : b.ops()) {
        ColumnFamilyHandle h = handles.get(op.space());
        switch (op.kind()) {
          case PUT -> applyBatch.put(h, op.key(), op.value());
          case DELETE -> applyBatch.delete(h, op.key());
          case DELETE_RANGE -> applyBatch.deleteRange(h, op.key(), op.value());
        }
      }
    }
  }

  /** The sequence number of the last journal record applied (0: none, or a store older than the marker). */
  long appliedSeq() throws RocksDBException {
    settle();
    byte[] v = db.get(handles.get(Space.META), reads, APPLIED_SEQ);
    return v == null || v.length != 8 ? 0 : ByteBuffer.wrap(v).getLong();
  }

  /** Makes everything applied so far durable in SST files. */
  void checkpoint() throws RocksDBException {
    settle();
    try (FlushOptions fo = new FlushOptions().setWaitForFlush(true)) {
      db.flush(fo, new ArrayList<>(handles.values()));
    }
  }

  byte[] get(Space s, byte[] key) throws RocksDBException {
    settle();
    return db.get(handles.get(s), reads, key);
  }

  List<byte[]> multiGet(Space s, List<byte[]> keys) throws RocksDBException {
    settle();
    List<ColumnFamilyHandle> cfs = new ArrayList<>(keys.size());
    for (int i = 0; i < keys.size(); i++) {
      cfs.add(handles.get(s));
    }
    return db.multiGetAsList(reads, cfs, keys);
  }

  RocksIterator iterator(Space s) {
    try {
      settle();
    } catch (RocksDBException e) {
      throw new IllegalStateException("applying journal records to the database failed", e);
    }
    return db.newIterator(handles.get(s));
  }

  void compact(Space s, byte[] begin, byte[] end) throws RocksDBException {
    settle();
    db.compactRange(handles.get(s), begin, end);
  }

  long liveSstBytes() {
    long total = 0;
    try {
      for (ColumnFamilyHandle h : handles.values()) {
        total += db.getLongProperty(h, "rocksdb.total-sst-files-size");
      }
      return total;
    } catch (RocksDBException e) {
      return -1;
    }
  }

  static byte[] key(long a, long b) {
    return ByteBuffer.allocate(16).putLong(a).putLong(b).array();
  }

  static byte[] key(long a) {
    return ByteBuffer.allocate(8).putLong(a).array();
  }

  static long first(byte[] key) {
    return ByteBuffer.wrap(key).getLong(0);
  }

  static long second(byte[] key) {
    return ByteBuffer.wrap(key).getLong(8);
  }

  /** Closes without flushing memtables: unflushed state is the journal's to replay. */
  @Override
  public void close() {
    synchronized (applyBatch) {
      closed = true;
    }
    handles.values().forEach(ColumnFamilyHandle::close);
    db.close();
    applyBatch.close();
    noWal.close();
    reads.close();
    blockCache.close();
    bloom.close();
    dbOptions.close();
    flushListener.close();
    cfOptions.forEach(ColumnFamilyOptions::close);
  }
}
