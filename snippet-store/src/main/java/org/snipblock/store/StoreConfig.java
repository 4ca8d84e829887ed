package org.snipblock.store;

import java.time.Duration;
import org.snipblock.store.journal.FileJournalIo;
import org.snipblock.store.journal.JournalIo;

/**
 * How a {@link SnippetStore} runs. Data directory layout: {@code db/} holds RocksDB (catalog,
 * labels, blocks), {@code journal/} the store's redo log.
 *
 * @param defaultSnippetSize   snippet size for volumes created without one (power of two)
 * @param capacityBytes        most bytes the store may hold on disk; 0 = only the file system limits
 * @param minFreeDiskBytes     writes that allocate fail with NO_SPACE when the file system has less free
 * @param checkpointBytes      journal size after which RocksDB is flushed and the journal restarted
 * @param checkpointInterval   longest time unflushed journal may accumulate
 * @param ioThreads            threads doing reads, checksums, compression and request preparation
 * @param memtableBytes        RocksDB write buffer per column family
 * @param journalIo            the journal's file layer (tests replace it to simulate power loss)
 */
public record StoreConfig(
    int defaultSnippetSize,
    long capacityBytes,
    long minFreeDiskBytes,
    long checkpointBytes,
    Duration checkpointInterval,
    int ioThreads,
    long memtableBytes,
    JournalIo.Factory journalIo) {

  /**
   * 4 MiB: SnippetSizeBenchmark (bench module) shows per-snippet label cost (create, resize,
   * rebuild from labels) falling 4x per 4x size up to 4 MiB and becoming noise beyond it, while a
   * snippet is still small enough to copy, verify and relabel in one short step when relocating.
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
      throw new IllegalArgumentException("bad store sizes in " + this);
    }
    if (ioThreads < 1 || checkpointInterval.isNegative() || checkpointInterval.isZero()) {
      throw new IllegalArgumentException("bad store threads or interval in " + this);
    }
    if (journalIo == null) {
      journalIo = FileJournalIo::new;
    }
  }

  public static StoreConfig defaults() {
    return new StoreConfig(DEFAULT_SNIPPET_SIZE, 0, 64L << 20, 64L << 20, Duration.ofSeconds(30),
        Math.max(2, Runtime.getRuntime().availableProcessors()), 32L << 20, null);
  }

  public StoreConfig withCapacityBytes(long v) {
    return new StoreConfig(defaultSnippetSize, v, minFreeDiskBytes, checkpointBytes, checkpointInterval, ioThreads, memtableBytes, journalIo);
  }

  public StoreConfig withDefaultSnippetSize(int v) {
    return new StoreConfig(v, capacityBytes, minFreeDiskBytes, checkpointBytes, checkpointInterval, ioThreads, memtableBytes, journalIo);
  }

  public StoreConfig withCheckpoint(long bytes, Duration interval) {
    return new StoreConfig(defaultSnippetSize, capacityBytes, minFreeDiskBytes, bytes, interval, ioThreads, memtableBytes, journalIo);
  }

  public StoreConfig withIoThreads(int v) {
    return new StoreConfig(defaultSnippetSize, capacityBytes, minFreeDiskBytes, checkpointBytes, checkpointInterval, v, memtableBytes, journalIo);
  }

  public StoreConfig withMemtableBytes(long v) {
    return new StoreConfig(defaultSnippetSize, capacityBytes, minFreeDiskBytes, checkpointBytes, checkpointInterval, ioThreads, v, journalIo);
  }

  public StoreConfig withJournalIo(JournalIo.Factory v) {
    return new StoreConfig(defaultSnippetSize, capacityBytes, minFreeDiskBytes, checkpointBytes, checkpointInterval, ioThreads, memtableBytes, v);
  }
}
