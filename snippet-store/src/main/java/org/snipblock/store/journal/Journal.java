package org.snipblock.store.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.block.BlockDeviceException.Kind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's redo log: every change is appended here before it is applied to RocksDB (whose own
 * WAL is off), so this journal alone decides what survives a crash.
 *
 * <p>There is no journal thread on the write path. A thread that submits a batch takes the journal
 * lock if it is free and commits everything queued so far itself (group commit with a combining
 * leader: one append, then one apply in the same order); if another thread holds the lock, that
 * thread takes the new batch too before it lets go. So a write that finds the journal idle is
 * appended and applied on the thread that built it, without waking another. Durability is the
 * {@link JournalSyncer}'s: batches that asked for it (FUA, flush, admin changes) go to its thread
 * after their append, and it fsyncs once for all of them while appends go on.
 *
 * <p>Records are {@code [len][crc32c][seq][payload]}; replay ({@link JournalReplay}) stops at the
 * first record that is torn or fails its CRC, which is exactly the point where a power loss cut the
 * unsynced tail.
 *
 * <p>Records may refer to data kept outside the journal (extent files): a {@link JournalListener} makes
 * that data durable before any fsync of a segment, and learns when a checkpoint has made the
 * records of older segments unnecessary (so what they refer to may be reused).
 *
 * <p>A checkpoint rolls to a new segment, has RocksDB flush its memtables, and only then deletes
 * the older segments; until then replaying them is harmless because batches are idempotent.
 */
public final class Journal implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Journal.class);
  private static final long MAX_GROUP_BYTES = 64L << 20;

  /**
   * Applies batches to the database, in order; called only under the journal lock (or by replay).
   * {@code lastSeq} is the sequence number of the last batch: the database keeps it with the
   * batches, so whatever state of it reaches the disk says which records it already holds.
   */
  public interface Applier {
    void apply(List<JournalBatch> batches, long lastSeq) throws Exception;

    /**
     * Finishes applying what {@link #apply} held back, if anything: called after the requests
     * committed are completed (answered), outside the lock.
     */
    default void settle() throws Exception { }
  }

  /** Makes everything applied so far durable in the database (RocksDB flush with wait). */
  public interface Checkpointer {
    void checkpoint() throws Exception;
  }

  private final Applier applier;
  private final Executor completions;
  private final JournalSegments segments;
  private final JournalFrames frames = new JournalFrames();
  private final ConcurrentLinkedQueue<JournalItem> queue = new ConcurrentLinkedQueue<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final JournalSyncer syncer;
  private volatile boolean abandoned;
  /** Set by {@link #close()}: later submissions fail at once. */
  private volatile boolean closing;
  /** Set under the lock once the segments are closed or abandoned: nothing is committed any more. */
  private volatile boolean stopped;
  private volatile Throwable broken;
  private long nextSeq;

  private Journal(JournalIo io, long nextSeq, Applier applier, Checkpointer checkpointer,
      JournalListener listener, Executor completions, long checkpointBytes, Duration checkpointInterval,
      String name) throws IOException {
    this.nextSeq = nextSeq;
    this.applier = applier;
    this.completions = completions;
    this.segments = new JournalSegments(io, nextSeq, checkpointer, listener, checkpointBytes,
        checkpointInterval, name);
    this.syncer = new JournalSyncer(this, segments, name);
  }

  /**
   * Starts a journal whose first record gets {@code nextSeq}. The caller must have replayed and
   * checkpointed the old segments and deleted them first, so that no torn tail precedes new records.
   */
  public static Journal start(JournalIo io, long nextSeq, Applier applier, Checkpointer checkpointer,
      JournalListener listener, Executor completions, long checkpointBytes, Duration checkpointInterval,
      String name) throws IOException {
    Journal j = new Journal(io, nextSeq, applier, checkpointer, listener, completions, checkpointBytes,
        checkpointInterval, name);
    j.syncer.start();
    return j;
  }

  /**
   * Queues a batch. {@code onApplied} runs under the journal lock right after the batch reached the
   * database (argument null) or failed (the cause); it is where callers release their range locks.
   * The returned future completes after that, and with {@code sync} only once the batch is durable.
   */
  public CompletableFuture<Void> submit(JournalBatch batch, boolean sync, Consumer<Throwable> onApplied) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (refused(done, onApplied)) {
      return done;
    }
    queue.add(new JournalItem(batch, sync, onApplied, done, false));
    drain(false);
    return done;
  }

  /**
   * Queues a batch and returns once it is durable, for a caller that holds range locks the
   * completions executor's threads may be waiting for (an admin change under stripe locks): its
   * future is completed by the syncer itself, and the other requests this thread commits on the way
   * are completed on the executor, so nothing here waits behind those locks.
   */
  public void commitHoldingLocks(JournalBatch batch) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (refused(done, null)) {
      throw new java.util.concurrent.CompletionException(done.handle((v, e) -> e).join());
    }
    queue.add(new JournalItem(batch, true, err -> { }, done, true));
    drain(true);
    done.join();
  }

  /** Completes once everything submitted (and completed) before the call is durable. */
  public CompletableFuture<Void> sync() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (refused(done, null)) {
      return done;
    }
    queue.add(new JournalItem(null, true, null, done, false));
    drain(false);
    return done;
  }

  private boolean refused(CompletableFuture<Void> done, Consumer<Throwable> onApplied) {
    Throwable b = broken;
    if (!abandoned && !closing && b == null) {
      return false;
    }
    Throwable why = unavailable(b);
    if (onApplied != null) {
      onApplied.accept(why);
    }
    done.completeExceptionally(why);
    return true;
  }

  static Throwable unavailable(Throwable cause) {
    return cause != null
        ? new BlockDeviceException(Kind.IO_ERROR, "journal failed: " + cause.getMessage(), cause)
        : new BlockDeviceException(Kind.UNAVAILABLE, "store is closed");
  }

  /**
   * Commits what is queued if no other thread does: the lock's holder checks the queue again after
   * letting go, so an item queued while it held the lock is never left behind.
   * {@code handOff}: complete the committed requests on the executor, not on this thread.
   */
  void drain(boolean handOff) {
    boolean committed = false;
    while (!queue.isEmpty()) {
      if (!lock.tryLock()) {
        // The holder settles what it commits, ours included.
        break;
      }
      List<CompletableFuture<Void>> applied;
      try {
        applied = commitQueued();
      } finally {
        lock.unlock();
      }
      committed = true;
      if (handOff) {
        completeLater(applied, null);
      } else {
        JournalItem.complete(applied, null);
      }
    }
    if (committed && !abandoned) {
      settle();
    }
  }

  /** After the answers: what the applier held back (a client write's map entries) goes in now. */
  private void settle() {
    try {
      applier.settle();
    } catch (Throwable e) {
      if (broken == null) {
        broken = e;
        log.error("applying journal records to the database failed; the store stops accepting writes", e);
      }
    }
  }

  /** Under the lock: commits the queue's items in groups; returns the futures now complete. */
  private List<CompletableFuture<Void>> commitQueued() {
    List<CompletableFuture<Void>> applied = new ArrayList<>();
    List<JournalItem> group = new ArrayList<>();
    while (!queue.isEmpty()) {
      group.clear();
      long bytes = 0;
      JournalItem next;
      while (bytes < MAX_GROUP_BYTES && (next = queue.poll()) != null) {
        group.add(next);
        bytes += next.batch() == null ? 0 : next.batch().bytes();
      }
      commit(group, applied);
    }
    if (segments.rollWanted()) {
      syncer.wake();
    }
    return applied;
  }

  private void commit(List<JournalItem> group, List<CompletableFuture<Void>> applied) {
    if (abandoned || stopped) {
      JournalItem.failAll(group, unavailable(abandoned ? null : broken));
      return;
    }
    List<JournalBatch> batches = new ArrayList<>(group.size());
    try {
      if (broken != null) {
        throw broken;
      }
      for (JournalItem it : group) {
        if (it.batch() != null) {
          batches.add(it.batch());
        }
      }
      if (!batches.isEmpty()) {
        ByteBuffer records = frames.encode(batches, nextSeq);
        long before = segments.size();
        try {
          segments.writer().append(records);
        } catch (IOException e) {
          cutBack(before, e);
          throw e;
        }
        nextSeq += batches.size();
        applier.apply(batches, nextSeq - 1);
      }
    } catch (Throwable e) {
      if (!(e instanceof IOException) || broken != null) {
        broken = broken == null ? e : broken;
      }
      JournalItem.failAll(group, asDeviceError(e));
      return;
    }
    for (JournalItem it : group) {
      if (it.onApplied() != null) {
        it.onApplied().accept(null);
      }
      if (it.sync()) {
        syncer.add(it);
      } else {
        applied.add(it.done());
      }
    }
  }

  /** Under the lock, on the syncer's thread: rolls to a new segment if one is due. */
  void maybeRoll() {
    lock.lock();
    try {
      if (broken == null && !abandoned) {
        segments.maybeRoll(nextSeq);
      }
    } catch (IOException e) {
      broken = e;
      log.error("journal could not roll to a new segment; the store stops accepting writes", e);
    } finally {
      lock.unlock();
    }
  }

  /** After a failed fsync nothing about the file can be trusted (the kernel may have dropped the
   * dirty pages), so the journal refuses everything from now on. */
  void syncFailed(IOException e) {
    broken = e;
    log.error("journal fsync failed; the store stops accepting writes", e);
  }

  Throwable broken() {
    return broken;
  }

  private void cutBack(long size, IOException cause) {
    try {
      segments.writer().truncate(size);
      log.warn("journal append failed ({}); cut back to the last whole record", cause.getMessage());
    } catch (IOException e) {
      broken = cause;
      log.error("journal append failed and could not be undone; the store stops accepting writes", e);
    }
  }

  static Throwable asDeviceError(Throwable e) {
    if (e instanceof BlockDeviceException) {
      return e;
    }
    String m = String.valueOf(e.getMessage());
    if (m.contains("No space left") || m.contains("Disk quota")) {
      return new BlockDeviceException(Kind.NO_SPACE, "no space left for the journal", e);
    }
    return new BlockDeviceException(Kind.IO_ERROR, "journal: " + m, e);
  }

  /** Completes futures off this thread, with one hand-off for all of them. */
  void completeLater(List<CompletableFuture<Void>> futures, Throwable err) {
    if (futures.isEmpty()) {
      return;
    }
    try {
      completions.execute(() -> JournalItem.complete(futures, err));
    } catch (RuntimeException rejected) {
      JournalItem.complete(futures, err);
    }
  }

  /** Bytes in the current segment (what a crash now would replay, at most, plus older segments). */
  public long segmentBytes() {
    // read without the lock: a statistic may be a write behind, and must never wait behind a group
    return segments.size();
  }

  /**
   * Stops cleanly: everything queued is committed and synced, the database is checkpointed and
   * the journal emptied, so the next start replays nothing.
   */
  @Override
  public void close() {
    if (abandoned) {
      return;
    }
    closing = true;
    lock.lock();
    try {
      JournalItem.complete(commitQueued(), null);
    } finally {
      lock.unlock();
    }
    syncer.stop();
    lock.lock();
    try {
      stopped = true;
      failQueued(unavailable(broken));
      segments.close(broken != null);
    } finally {
      lock.unlock();
    }
    // A submission that passed its check just before the stop may have queued its item while the
    // stop held the lock and left it to the holder: as every holder does, look again after letting go.
    drain(true);
  }

  /**
   * Stops at once as a crash would: nothing more is written or synced, queued requests fail.
   * Used to simulate power loss.
   */
  public void abandon() {
    abandoned = true;
    syncer.abandon();
    lock.lock();
    try {
      stopped = true;
      failQueued(unavailable(null));
      segments.abandon();
    } finally {
      lock.unlock();
    }
    drain(true); // as in close()
  }

  /** Under the lock: fails what is queued, taking each item off first so none is dropped unfailed. */
  private void failQueued(Throwable why) {
    JournalItem it;
    while ((it = queue.poll()) != null) {
      JournalItem.failAll(List.of(it), why);
    }
  }
}
