package org.snipblock.store.journal;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The journal's segments over time: the one being appended to, when to roll to a new one, and the
 * checkpoint that follows each roll (sync the old segment, checkpoint the database, delete the
 * older segments). Appends and rolls run under the journal lock, syncs and rolls on the
 * {@link JournalSyncer}'s thread (so only it ever replaces the segment being written), and the
 * checkpoint on a thread of its own so that a long fsync never stalls writes.
 */
final class JournalSegments {
  private static final Logger log = LoggerFactory.getLogger(JournalSegments.class);

  private final JournalIo io;
  private final Journal.Checkpointer checkpointer;
  private final JournalListener listener;
  private final long checkpointBytes;
  private final long checkpointNanos;
  private final ExecutorService checkpoints;
  private JournalIo.SegmentWriter writer;
  private long segmentFirstSeq;
  private long lastRoll = System.nanoTime();
  private CompletableFuture<Void> checkpointRunning = CompletableFuture.completedFuture(null);
  /** Completes once every segment before the current one is synced (or failed to be). */
  private CompletableFuture<Void> olderSegmentsSynced = CompletableFuture.completedFuture(null);

  JournalSegments(JournalIo io, long firstSeq, Journal.Checkpointer checkpointer, JournalListener listener,
      long checkpointBytes, Duration checkpointInterval, String name) throws IOException {
    this.io = io;
    this.checkpointer = checkpointer;
    this.listener = listener;
    this.checkpointBytes = checkpointBytes;
    this.checkpointNanos = checkpointInterval.toNanos();
    this.segmentFirstSeq = firstSeq;
    this.writer = io.create(firstSeq);
    this.checkpoints = Executors.newSingleThreadExecutor(r -> new Thread(r, name + "-checkpoint"));
  }

  JournalIo.SegmentWriter writer() {
    return writer;
  }

  /**
   * Makes every record appended so far durable: older segments first (their sync runs on the
   * checkpoint thread), then the data the records refer to, then the current segment.
   */
  void sync() throws IOException {
    try {
      olderSegmentsSynced.join();
    } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
      Throwable c = e.getCause() != null ? e.getCause() : e;
      throw c instanceof IOException io ? io : new IOException("syncing an older journal segment failed", c);
    }
    listener.beforeSync();
    writer.sync();
  }

  /** Under the journal lock, after each group: whether the syncer should look at rolling (cheap). */
  boolean rollWanted() {
    return checkpointRunning.isDone() && (writer.size() >= checkpointBytes || listener.rollDue());
  }

  /** Rolls to a new segment starting at {@code nextSeq} if one is due and no checkpoint runs. */
  void maybeRoll(long nextSeq) throws IOException {
    if (!checkpointRunning.isDone()) {
      return;
    }
    long size = writer.size();
    boolean due = size >= checkpointBytes
        || (size > 0 && System.nanoTime() - lastRoll >= checkpointNanos)
        || (size > 0 && listener.rollDue());
    if (!due) {
      return;
    }
    // The old segment is synced on the checkpoint thread, not here: a 64 MiB fsync would stall
    // every write. A later sync of the new segment waits for it (see sync), so nothing is
    // acknowledged durable while an older record could still be lost.
    JournalIo.SegmentWriter old = writer;
    long older = segmentFirstSeq;
    listener.rolled();
    segmentFirstSeq = nextSeq;
    writer = io.create(nextSeq);
    lastRoll = System.nanoTime();
    long keepFrom = segmentFirstSeq;
    CompletableFuture<Void> oldSynced = new CompletableFuture<>();
    olderSegmentsSynced = oldSynced;
    checkpointRunning = CompletableFuture.runAsync(() -> checkpointBefore(old, oldSynced, keepFrom), checkpoints);
    log.debug("journal rolled from segment {} to {}", older, keepFrom);
  }

  private void checkpointBefore(JournalIo.SegmentWriter previous, CompletableFuture<Void> oldSynced,
      long keepFrom) {
    try {
      previous.sync();
      previous.close();
      oldSynced.complete(null);
    } catch (IOException | RuntimeException e) {
      oldSynced.completeExceptionally(e);
      return;
    }
    try {
      checkpointer.checkpoint();
      List<Long> old = new ArrayList<>();
      for (long s : io.segments()) {
        if (s < keepFrom) {
          old.add(s);
        }
      }
      io.delete(old);
      listener.checkpointed();
    } catch (Exception e) {
      log.warn("checkpoint failed; the journal keeps its old segments and replays them on restart", e);
    }
  }

  long size() {
    return writer.size();
  }

  /**
   * After the syncer stopped: waits for a running checkpoint, syncs, and unless the
   * journal is {@code broken} checkpoints and deletes every segment, so the next start replays
   * nothing.
   */
  void close(boolean broken) {
    try {
      checkpointRunning.join();
    } catch (RuntimeException ignored) {
      // logged where it failed
    }
    checkpoints.shutdown();
    try {
      listener.beforeSync();
      writer.sync();
      writer.close();
      if (!broken) {
        checkpointer.checkpoint();
        io.delete(io.segments());
      }
    } catch (Exception e) {
      log.warn("journal close could not checkpoint; the next start replays it", e);
    }
  }

  /** Stops as a crash would: a running checkpoint is interrupted, nothing more is synced. */
  void abandon() {
    checkpoints.shutdownNow();
    try {
      checkpoints.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      writer.close();
    } catch (IOException ignored) {
      // a crash does not close files either
    }
  }
}
