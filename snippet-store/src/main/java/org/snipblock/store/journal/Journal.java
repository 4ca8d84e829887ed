package org.snipblock.store.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.block.BlockDeviceException.Kind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's redo log: every change is appended here before it is applied to RocksDB (whose own
 * WAL is off), so this journal alone decides what survives a crash.
 *
 * <p>One thread owns the file. It takes whatever requests are queued, writes them with one append
 * (group commit), applies them in the same order, and fsyncs once if any of them asked for
 * durability (FUA, flush, admin changes). Records are {@code [len][crc32c][seq][payload]}; replay
 * ({@link JournalReplay}) stops at the first record that is torn or fails its CRC, which is exactly
 * the point where a power loss cut the unsynced tail.
 *
 * <p>Records may refer to data kept outside the journal (extent files): a {@link Listener} makes
 * that data durable before any fsync of a segment, and learns when a checkpoint has made the
 * records of older segments unnecessary (so what they refer to may be reused).
 *
 * <p>A checkpoint rolls to a new segment, has RocksDB flush its memtables, and only then deletes
 * the older segments; until then replaying them is harmless because batches are idempotent.
 */
public final class Journal implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Journal.class);
  private static final long MAX_GROUP_BYTES = 64L << 20;

  /** Applies batches to the database, in order; called only by the journal thread (or replay). */
  public interface Applier {
    void apply(List<JournalBatch> batches) throws Exception;
  }

  /** Makes everything applied so far durable in the database (RocksDB flush with wait). */
  public interface Checkpointer {
    void checkpoint() throws Exception;
  }

  /** What the journal tells the owner of data its records refer to. */
  public interface Listener {
    Listener NONE = new Listener() { };

    /** On the journal thread, before a segment is fsynced: what synced records refer to must be durable first. */
    default void beforeSync() throws IOException { }

    /** On the journal thread, when a new segment starts: everything released so far is in older segments. */
    default void rolled() { }

    /** True if a roll and checkpoint are due whatever the segment's size (space waits for one). */
    default boolean rollDue() {
      return false;
    }

    /**
     * After a checkpoint deleted the segments older than the newest roll: no replay will see
     * their records again.
     */
    default void checkpointed() { }
  }

  /** @param inline completed on the journal thread itself, not handed to the completions executor */
  private record Item(JournalBatch batch, boolean sync, Consumer<Throwable> onApplied,
      CompletableFuture<Void> done, boolean inline) {}

  private static final Item STOP = new Item(null, true, null, null, false);

  private final Applier applier;
  private final Executor completions;
  private final JournalSegments segments;
  private final JournalFrames frames = new JournalFrames();
  private final LinkedBlockingQueue<Item> queue = new LinkedBlockingQueue<>();
  private final Thread thread;
  private volatile boolean abandoned;
  private volatile Throwable broken;
  private long nextSeq;

  private Journal(JournalIo io, long nextSeq, Applier applier, Checkpointer checkpointer,
      Listener listener, Executor completions, long checkpointBytes, Duration checkpointInterval,
      String name) throws IOException {
    this.nextSeq = nextSeq;
    this.applier = applier;
    this.completions = completions;
    this.segments = new JournalSegments(io, nextSeq, checkpointer, listener, checkpointBytes,
        checkpointInterval, name);
    this.thread = new Thread(this::run, name);
    this.thread.setDaemon(true);
  }

  /**
   * Starts a journal whose first record gets {@code nextSeq}. The caller must have replayed and
   * checkpointed the old segments and deleted them first, so that no torn tail precedes new records.
   */
  public static Journal start(JournalIo io, long nextSeq, Applier applier, Checkpointer checkpointer,
      Listener listener, Executor completions, long checkpointBytes, Duration checkpointInterval,
      String name) throws IOException {
    Journal j = new Journal(io, nextSeq, applier, checkpointer, listener, completions, checkpointBytes,
        checkpointInterval, name);
    j.thread.start();
    return j;
  }

  /**
   * Queues a batch. {@code onApplied} runs on the journal thread right after the batch reached the
   * database (argument null) or failed (the cause); it is where callers release their range locks.
   * The returned future completes after that, and with {@code sync} only once the batch is durable.
   */
  /** Set by {@link #close()}. */
  private volatile boolean closing;

  public CompletableFuture<Void> submit(JournalBatch batch, boolean sync, Consumer<Throwable> onApplied) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    Throwable b = broken;
    if (abandoned || closing || b != null) {
      Throwable why = unavailable(b);
      onApplied.accept(why);
      done.completeExceptionally(why);
      return done;
    }
    queue.add(new Item(batch, sync, onApplied, done, false));
    return done;
  }

  /**
   * Queues a batch and returns once it is durable, for a caller that holds range locks the
   * completions executor's threads may be waiting for (an admin change under stripe locks): its
   * future is completed on the journal thread, so it cannot wait behind them.
   */
  public void commitHoldingLocks(JournalBatch batch) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    Throwable b = broken;
    if (abandoned || closing || b != null) {
      throw new java.util.concurrent.CompletionException(unavailable(b));
    }
    queue.add(new Item(batch, true, err -> { }, done, true));
    done.join();
  }

  /** Completes once everything submitted (and completed) before the call is durable. */
  public CompletableFuture<Void> sync() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (abandoned || closing || broken != null) {
      done.completeExceptionally(unavailable(broken));
      return done;
    }
    queue.add(new Item(null, true, null, done, false));
    return done;
  }

  private static Throwable unavailable(Throwable cause) {
    return cause != null
        ? new BlockDeviceException(Kind.IO_ERROR, "journal failed: " + cause.getMessage(), cause)
        : new BlockDeviceException(Kind.UNAVAILABLE, "store is closed");
  }

  private void run() {
    List<Item> group = new ArrayList<>();
    boolean stop = false;
    while (!stop && !abandoned) {
      try {
        Item first = queue.poll(1, TimeUnit.SECONDS);
        if (first == null) {
          maybeRoll();
          continue;
        }
        group.clear();
        Item next = first;
        long bytes = 0;
        while (next != null) {
          if (next == STOP) {
            stop = true;
            break;
          }
          group.add(next);
          bytes += next.batch() == null ? 0 : next.batch().bytes();
          next = bytes < MAX_GROUP_BYTES ? queue.poll() : null;
        }
        if (!group.isEmpty()) {
          commit(group);
        }
        maybeRoll();
      } catch (InterruptedException e) {
        if (abandoned) {
          break;
        }
      }
    }
    failAll(queue, unavailable(broken));
  }

  private void commit(List<Item> group) {
    if (abandoned) {
      failAll(group, unavailable(null));
      return;
    }
    List<JournalBatch> batches = new ArrayList<>();
    try {
      if (broken != null) {
        throw broken;
      }
      for (Item it : group) {
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
        applier.apply(batches);
      }
    } catch (Throwable e) {
      if (!(e instanceof IOException) || broken != null) {
        broken = broken == null ? e : broken;
      }
      failAll(group, asDeviceError(e));
      return;
    }
    boolean needSync = false;
    List<CompletableFuture<Void>> applied = new ArrayList<>(group.size());
    for (Item it : group) {
      if (it.onApplied() != null) {
        it.onApplied().accept(null);
      }
      if (it.sync()) {
        needSync = true;
      } else {
        applied.add(it.done());
      }
    }
    completeAll(applied, null);
    if (needSync) {
      Throwable err = null;
      try {
        segments.sync();
      } catch (IOException e) {
        // After a failed fsync nothing about the file can be trusted (the kernel may have dropped
        // the dirty pages), so the journal refuses everything from now on.
        broken = e;
        err = asDeviceError(e);
        log.error("journal fsync failed; the store stops accepting writes", e);
      }
      List<CompletableFuture<Void>> synced = new ArrayList<>(group.size());
      for (Item it : group) {
        if (it.sync() && it.inline()) {
          complete(it.done(), err);
        } else if (it.sync()) {
          synced.add(it.done());
        }
      }
      completeAll(synced, err);
    }
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

  private static Throwable asDeviceError(Throwable e) {
    if (e instanceof BlockDeviceException) {
      return e;
    }
    String m = String.valueOf(e.getMessage());
    if (m.contains("No space left") || m.contains("Disk quota")) {
      return new BlockDeviceException(Kind.NO_SPACE, "no space left for the journal", e);
    }
    return new BlockDeviceException(Kind.IO_ERROR, "journal: " + m, e);
  }

  private static void complete(CompletableFuture<Void> f, Throwable err) {
    if (err == null) {
      f.complete(null);
    } else {
      f.completeExceptionally(err);
    }
  }

  /** Completes a group's futures off the journal thread, with one hand-off for all of them. */
  private void completeAll(List<CompletableFuture<Void>> futures, Throwable err) {
    if (futures.isEmpty()) {
      return;
    }
    Runnable r = () -> {
      for (CompletableFuture<Void> f : futures) {
        if (err == null) {
          f.complete(null);
        } else {
          f.completeExceptionally(err);
        }
      }
    };
    try {
      completions.execute(r);
    } catch (RuntimeException rejected) {
      r.run();
    }
  }

  /** Fails requests that never reached the database, releasing what their owners hold. */
  private void failAll(Iterable<Item> items, Throwable why) {
    for (Item it : items) {
      if (it == STOP || it.done() == null || it.done().isDone()) {
        continue;
      }
      if (it.onApplied() != null) {
        it.onApplied().accept(why);
      }
      it.done().completeExceptionally(why);
    }
  }

  private void maybeRoll() {
    if (broken != null) {
      return;
    }
    try {
      segments.maybeRoll(nextSeq);
    } catch (IOException e) {
      broken = e;
      log.error("journal could not roll to a new segment; the store stops accepting writes", e);
    }
  }

  /** Bytes in the current segment (what a crash now would replay, at most, plus older segments). */
  public long segmentBytes() {
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
    // Nothing queued after STOP would ever be taken: later submissions fail at once instead.
    closing = true;
    queue.add(STOP);
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    segments.close(broken != null);
  }

  /**
   * Stops at once as a crash would: nothing more is written or synced, queued requests fail.
   * Used to simulate power loss.
   */
  public void abandon() {
    abandoned = true;
    thread.interrupt();
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    segments.abandon();
    failAll(queue, unavailable(null));
  }
}
