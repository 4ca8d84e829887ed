package org.snipblock.store;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's threads: the I/O pool (reads, checksums, request preparation) and one maintenance
 * thread (label writing, snapshot merges, compactions), and how each stops, in order or as in a
 * crash.
 */
final class StoreThreads {
  private static final Logger log = LoggerFactory.getLogger(StoreThreads.class);

  final ThreadPoolExecutor io;
  final ExecutorService maintenance;

  StoreThreads(int ioThreads) {
    AtomicInteger n = new AtomicInteger();
    this.io = new ThreadPoolExecutor(ioThreads, ioThreads, 60, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), r -> daemon(r, "snippet-io-" + n.incrementAndGet()));
    this.maintenance = Executors.newSingleThreadExecutor(r -> daemon(r, "snippet-maintenance"));
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** Lets accepted requests finish, then background work (it commits through the journal too). */
  void stopInOrder() {
    io.shutdown();
    await(io, 60, "I/O threads did not finish within 60 s");
    maintenance.shutdown();
    await(maintenance, 60, "background work did not finish within 60 s");
  }

  /** Drops queued background work; {@code whileStopping} runs once no new request starts. */
  void stopAbruptly(Runnable whileStopping) {
    io.shutdown();
    whileStopping.run();
    maintenance.shutdownNow();
    await(io, 30, "I/O threads did not stop within 30 s");
    await(maintenance, 60, "background work did not stop within 60 s");
  }

  private static void await(ExecutorService e, int seconds, String late) {
    try {
      if (!e.awaitTermination(seconds, TimeUnit.SECONDS)) {
        log.warn(late);
      }
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
    }
  }

  /** Compacts a key range of RocksDB on the maintenance thread, unless the store is closing by then. */
  void compactLater(StoreDb db, org.snipblock.store.journal.JournalBatch.Space space, byte[] begin, byte[] end,
      java.util.function.BooleanSupplier closing) {
    try {
      maintenance.execute(() -> {
        if (closing.getAsBoolean()) {
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
}
