package org.snipblock.store;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.snipblock.store.journal.Journal;
import org.snipblock.store.qos.BackgroundBudget;
import org.snipblock.store.qos.SchedulerTimer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a store stops: in order (requests already accepted complete, everything is made durable and
 * checkpointed) or as a crash would (queued work dropped, nothing synced). Either way background
 * work stops first, every request in flight completes (with an error if need be), and the files
 * close last, once no admin step still touches them.
 */
final class StoreShutdown {
  private static final Logger log = LoggerFactory.getLogger(StoreShutdown.class);
  private static final int ADMIN_WAIT_SECONDS = 30;

  private final Path dataDir;
  private final Flattener flattener;
  private final BackgroundBudget background;
  private final SchedulerTimer backgroundTimer;
  private final StoreThreads threads;
  private final ReentrantLock admin;
  private final StoreDb db;
  private final ChunkData chunkData;

  StoreShutdown(Path dataDir, Flattener flattener, BackgroundBudget background, SchedulerTimer backgroundTimer,
      StoreThreads threads, ReentrantLock admin, StoreDb db, ChunkData chunkData) {
    this.dataDir = dataDir;
    this.flattener = flattener;
    this.background = background;
    this.backgroundTimer = backgroundTimer;
    this.threads = threads;
    this.admin = admin;
    this.db = db;
    this.chunkData = chunkData;
  }

  /** Lets accepted requests finish, then syncs, checkpoints and empties the journal. */
  void inOrder(Journal journal) {
    stopBackground();
    threads.stopInOrder();
    closeFiles(journal::close);
    log.info("snippet store in {} closed", dataDir);
  }

  /**
   * Drops queued work and abandons the journal, whose waiters fail; RocksDB closes without
   * flushing its memtables. {@code journal} is null if the store failed while opening.
   */
  void asInCrash(Journal journal) {
    stopBackground();
    threads.stopAbruptly(() -> {
      if (journal != null) {
        journal.abandon();
      }
    });
    // Closing a file forces nothing: what was not synced stays as unsure as a crash leaves it.
    closeFiles(() -> { });
  }

  /** Flattens stop and their budget lets every waiting piece go, so none waits on a stopped timer. */
  private void stopBackground() {
    flattener.stop();
    background.close();
    flattener.close();
    backgroundTimer.close();
  }

  /**
   * Closes {@code first}, the database and the extent files once an admin step that began before
   * the close (a caller's thread: labels following the placement, a setting) is done: one touching
   * a closed RocksDB would crash the process. New steps are refused anyway
   * ({@link SnippetStore#checkOpen}); the wait is bounded, so a stuck one cannot hold the close forever.
   */
  private void closeFiles(Runnable first) {
    boolean quiet = false;
    try {
      quiet = admin.tryLock(ADMIN_WAIT_SECONDS, TimeUnit.SECONDS);
      if (!quiet) {
        log.warn("an admin step of the store in {} did not finish within {} s of the close", dataDir,
            ADMIN_WAIT_SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      first.run();
      db.close();
      chunkData.extents().close();
    } finally {
      if (quiet) {
        admin.unlock();
      }
    }
  }
}
