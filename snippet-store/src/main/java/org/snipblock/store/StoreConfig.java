package org.snipblock.store;

import java.time.Duration;
import org.snipblock.store.extent.ExtentIo;
import org.snipblock.store.extent.FileExtentIo;
import org.snipblock.store.journal.FileJournalIo;
import org.snipblock.store.journal.JournalIo;

/**
 * How a {@link SnippetStore} runs. Data directory layout: {@code db/} holds RocksDB (catalog,
 * labels, layers, the chunk map; blocks of compressed volumes), {@code extents/} one data file per
 * volume, {@code journal/} the store's redo log.
 *
 * @param defaultSnippetSize   snippet size for volumes created without one (power of two)
 * @param capacityBytes        most bytes the store may hold on disk; 0 = only the file system limits
 * @param minFreeDiskBytes     writes that allocate fail with NO_SPACE when the file system has less free
 * @param checkpointBytes      journal size after which RocksDB is flushed and the journal restarted; also
 *                             the overwritten extent space that makes a checkpoint due (freed slots
 *                             are reused only after one)
 * @param checkpointInterval   longest time unflushed journal may accumulate
 * @param ioThreads            threads doing reads, checksums, compression and request preparation
 * @param memtableBytes        RocksDB write buffer per column family
 * @param journalIo            the journal's file layer (tests replace it to simulate power loss)
 * @param backgroundBytesPerSecond what all background work of the node together (flattens, and on a
 *                             cluster resyncs, re-replication and scrubs) may move per second while
 *                             its clients are idle: the max of its {@link org.snipblock.store.qos.BackgroundBudget};
 *                             0 = no cap
 * @param extentIo             the extent files' layer (likewise)
 */
public record StoreConfig(
    int defaultSnippetSize,
    long capacityBytes,
    long minFreeDiskBytes,
    long checkpointBytes,
    Duration checkpointInterval,
    int ioThreads,
    long memtableBytes,
    JournalIo.Factory journalIo,
    long backgroundBytesPerSecond,
    ExtentIo.Factory extentIo) {

  /**
   * What the node's background work together may move per second by default, while its clients are
   * idle: 100 MiB (a flatten's rate before the budget existed; busy clients push it down to 10 MiB/s).
   */
  public static final long DEFAULT_BACKGROUND_RATE = 100L << 20;

  /**
   * 4 MiB, from SnippetSizeBenchmark (bench module; 2 shared cores under heavy load, so the
   * numbers are rough). Creating a 64 GiB volume and rebuilding the catalog from its labels took
   * 21.1 s with 256 KiB snippets, 1.38 s with 1 MiB, 0.40 s with 4 MiB, 0.11 s with 16 MiB: label
   * work is proportional to the snippet count and must stay small next to the data. Reading one
   * whole snippet, the unit a relocation copies, verifies and relabels, took 0.9 / 3.2 / 84 / 249 ms.
   * Random 4 KiB writes do not depend on it (chunks are 4 KiB whatever the snippet size).
   * 4 MiB keeps label overhead under a second per 64 GiB while a move stays well under 100 ms.
   */
  public static final int DEFAULT_SNIPPET_SIZE = 4 << 20;
  public static final int MIN_SNIPPET_SIZE = 64 << 10;
  public static final int MAX_SNIPPET_SIZE = 1 << 30;

  public StoreConfig {
    if (Integer.bitCount(defaultSnippetSize) != 1
        || defaultSnippetSize < MIN_SNIPPET_SIZE || defaultSnippetSize > MAX_SNIPPET_SIZE) {
      throw new IllegalArgumentException("default snippet size must be a power of two from "
          + MIN_SNIPPET_SIZE + " to " + MAX_SNIPPET_SIZE + ": " + defaultSnippetSize);
    }
    if (capacityBytes < 0 || minFreeDiskBytes < 0 || checkpointBytes < (1 << 20) || memtableBytes < (1 << 20)) {
      // not "+ this": a compact constructor's fields are still unset here, so it would print zeros
      throw new IllegalArgumentException("bad store sizes: capacity " + capacityBytes + ", min free disk "
          + minFreeDiskBytes + ", checkpoint " + checkpointBytes + " and memtable " + memtableBytes
          + " bytes (none negative; checkpoint and memtable at least 1 MiB)");
    }
    if (ioThreads < 1 || checkpointInterval.isNegative() || checkpointInterval.isZero()) {
      throw new IllegalArgumentException("bad store I/O threads " + ioThreads + " or checkpoint interval "
          + checkpointInterval + " (at least one thread, a positive interval)");
    }
    if (backgroundBytesPerSecond < 0) {
      throw new IllegalArgumentException("background rate must not be negative: " + backgroundBytesPerSecond);
    }
    if (journalIo == null) {
      journalIo = FileJournalIo::new;
    }
    if (extentIo == null) {
      extentIo = FileExtentIo::new;
    }
  }

  public static StoreConfig defaults() {
    return new StoreConfig(DEFAULT_SNIPPET_SIZE, 0, 64L << 20, 64L << 20, Duration.ofSeconds(30),
        Math.max(2, Runtime.getRuntime().availableProcessors()), 32L << 20, null, DEFAULT_BACKGROUND_RATE, null);
  }

  public StoreConfig withCapacityBytes(long v) {
    return new StoreConfig(defaultSnippetSize, v, minFreeDiskBytes, checkpointBytes, checkpointInterval, ioThreads, memtableBytes, journalIo, backgroundBytesPerSecond, extentIo);
  }

  public StoreConfig withDefaultSnippetSize(int v) {
    return new StoreConfig(v, capacityBytes, minFreeDiskBytes, checkpointBytes, checkpointInterval, ioThreads, memtableBytes, journalIo, backgroundBytesPerSecond, extentIo);
  }

  public StoreConfig withCheckpoint(long bytes, Duration interval) {
    return new StoreConfig(defaultSnippetSize, capacityBytes, minFreeDiskBytes, bytes, interval, ioThreads, memtableBytes, journalIo, backgroundBytesPerSecond, extentIo);
  }

  public StoreConfig withIoThreads(int v) {
    return new StoreConfig(defaultSnippetSize, capacityBytes, minFreeDiskBytes, checkpointBytes, checkpointInterval, v, memtableBytes, journalIo, backgroundBytesPerSecond, extentIo);
  }

  public StoreConfig withMemtableBytes(long v) {
    return new StoreConfig(defaultSnippetSize, capacityBytes, minFreeDiskBytes, checkpointBytes, checkpointInterval, ioThreads, v, journalIo, backgroundBytesPerSecond, extentIo);
  }

  public StoreConfig withJournalIo(JournalIo.Factory v) {
    return new StoreConfig(defaultSnippetSize, capacityBytes, minFreeDiskBytes, checkpointBytes, checkpointInterval, ioThreads, memtableBytes, v, backgroundBytesPerSecond, extentIo);
  }

  /** Bytes per second the node's background work may move while its clients are idle; 0 = no cap. */
  public StoreConfig withBackgroundBytesPerSecond(long v) {
    return new StoreConfig(defaultSnippetSize, capacityBytes, minFreeDiskBytes, checkpointBytes, checkpointInterval,
        ioThreads, memtableBytes, journalIo, v, extentIo);
  }

  public StoreConfig withExtentIo(ExtentIo.Factory v) {
    return new StoreConfig(defaultSnippetSize, capacityBytes, minFreeDiskBytes, checkpointBytes, checkpointInterval,
        ioThreads, memtableBytes, journalIo, backgroundBytesPerSecond, v);
  }
}
