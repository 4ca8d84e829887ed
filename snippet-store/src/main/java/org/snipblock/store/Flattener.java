package org.snipblock.store;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.snipblock.store.VolumeAdminException.Reason;
import org.snipblock.store.qos.BackgroundBudget;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a clone independent of its parent in the background: copies every chunk the clone still
 * reads from the parent's layers into the clone's bottom layer, one snippet per step under the
 * admin lock and that snippet's stripes (so writes, snapshots and deletes interleave), each
 * snippet's copy paid to the node's {@link BackgroundBudget} before the next; then unlinks the
 * parent, whose snapshot may then be deleted.
 */
final class Flattener implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Flattener.class);

  private final SnippetStore store;
  private final Snapshots snapshots;
  private final BackgroundBudget budget;
  private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "snippet-flatten");
    t.setDaemon(true);
    return t;
  });
  private final Map<Long, BackgroundProgress> progress = new ConcurrentHashMap<>();
  private volatile boolean closed;

  Flattener(SnippetStore store, Snapshots snapshots, BackgroundBudget budget) {
    this.store = store;
    this.snapshots = snapshots;
    this.budget = budget;
  }

  /** The volume's flatten, running or finished since the store opened; null if none. */
  BackgroundProgress progress(Volume v) {
    return progress.get(v.id());
  }

  /** Starts flattening {@code v}; completes when it is independent (or fails). Under the admin lock. */
  CompletableFuture<Void> start(Volume v) {
    Layer bottom = bottom(v);
    if (bottom.parent() == null) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "volume " + v.descriptor().name()
          + " is not a clone: it reads from no parent");
    }
    BackgroundProgress now = progress.get(v.id());
    if (now != null && now.running()) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "volume " + v.descriptor().name()
          + " is being flattened already (" + now.snippetsDone() + "/" + now.snippetsTotal() + " snippets)");
    }
    long total = v.descriptor().snippets();
    progress.put(v.id(), new BackgroundProgress("flatten", 0, total, 0, true, null));
    CompletableFuture<Void> done = new CompletableFuture<>();
    try {
      worker.execute(() -> run(v, total, done));
    } catch (RejectedExecutionException e) {
      progress.remove(v.id());
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "the store is closing");
    }
    log.info("flattening volume {} ({} snippets)", v.descriptor().name(), total);
    return done;
  }

  /** The lowest layer the volume owns: the one whose parent, if any, is another volume's. */
  static Layer bottom(Volume v) {
    Layer l = v.live();
    while (l.parent() != null && l.parent().owner == v.id()) {
      l = l.parent();
    }
    return l;
  }

  private void run(Volume v, long total, CompletableFuture<Void> done) {
    long copied = 0;
    try {
      for (long sn = 0; sn < total; sn++) {
        if (closed || v.deleted()) {
          throw new VolumeAdminException(Reason.FAILED_PRECONDITION, closed ? "the store closed" : "the volume was deleted");
        }
        long snippet = sn;
        long bytes = store.underAdminLock(() -> snapshots.copies().copyUpFromParent(v, bottom(v), snippet));
        copied += bytes;
        progress.put(v.id(), new BackgroundProgress("flatten", sn + 1, total, copied, true, null));
        // Paid after the copy (only then is its size known): the next snippet waits for it.
        budget.take(bytes).join();
      }
      store.underAdminLock(() -> {
        snapshots.copies().unlinkParent(v, bottom(v));
        return null;
      });
      progress.put(v.id(), new BackgroundProgress("flatten", total, total, copied, false, null));
      log.info("volume {} flattened: {} bytes copied from its parent", v.descriptor().name(), copied);
      done.complete(null);
    } catch (RuntimeException e) {
      BackgroundProgress p = progress.get(v.id());
      progress.put(v.id(), new BackgroundProgress("flatten", p.snippetsDone(), total, copied, false, e.getMessage()));
      log.warn("flattening volume {} stopped: {}", v.descriptor().name(), e.getMessage());
      done.completeExceptionally(e);
    }
  }

  /**
   * A running flatten ends at its next snippet. Before the budget it may wait for is closed: let go
   * by the close, it must find itself stopped, not copy on at an unlimited rate.
   */
  void stop() {
    closed = true;
  }

  @Override
  public void close() {
    stop();
    worker.shutdown();
    try {
      worker.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
