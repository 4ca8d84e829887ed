package org.snipblock.store.journal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The journal's one thread: it makes appended batches durable (one fsync for all that wait, while
 * other threads go on appending) and rolls segments. A batch reaches it only after its append, so
 * the fsync covers it. Once a second it also checks whether a roll is due by age.
 */
final class JournalSyncer {
  /** Wakes the thread to check for a roll. */
  private static final Object ROLL = new Object();
  private static final Object STOP = new Object();

  private final Journal journal;
  private final JournalSegments segments;
  private final LinkedBlockingQueue<Object> pending = new LinkedBlockingQueue<>();
  private final AtomicBoolean rollPosted = new AtomicBoolean();
  private final Thread thread;
  private volatile boolean abandoned;
  /**
   * Set once the thread takes no more items. A batch's committer may still add its item after that
   * (it checked the journal before the stop, and appends and applies in between): it then sees this
   * and fails the item itself, since nobody else will look at the queue again.
   */
  private volatile boolean finished;

  JournalSyncer(Journal journal, JournalSegments segments, String name) {
    this.journal = journal;
    this.segments = segments;
    this.thread = new Thread(this::run, name);
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** Called under the journal lock once the item's batch (if any) is appended and applied. */
  void add(JournalItem item) {
    pending.add(item);
    if (finished) {
      failLeft(Journal.unavailable(journal.broken()));
    }
  }

  /** A roll may be due by size: checked on this thread, not on the writer's. */
  void wake() {
    if (rollPosted.compareAndSet(false, true)) {
      pending.add(ROLL);
    }
  }

  private void run() {
    boolean stop = false;
    List<Object> taken = new ArrayList<>();
    List<JournalItem> items = new ArrayList<>();
    while (!stop && !abandoned) {
      try {
        Object first = pending.poll(1, TimeUnit.SECONDS);
        taken.clear();
        items.clear();
        if (first != null) {
          taken.add(first);
          pending.drainTo(taken);
        }
        for (Object o : taken) {
          if (o == STOP) {
            stop = true;
          } else if (o == ROLL) {
            rollPosted.set(false);
          } else {
            items.add((JournalItem) o);
          }
        }
        if (abandoned) {
          JournalItem.complete(items.stream().map(JournalItem::done).toList(), Journal.unavailable(null));
          break;
        }
        if (!items.isEmpty()) {
          sync(items);
        }
        journal.maybeRoll();
        // a writer that found the lock taken by the roll left its batch to the lock's holder
        journal.drain(true);
      } catch (InterruptedException e) {
        if (abandoned) {
          break;
        }
      }
    }
  }

  private void sync(List<JournalItem> items) {
    Throwable err = journal.broken() != null ? Journal.unavailable(journal.broken()) : null;
    if (err == null) {
      try {
        segments.sync();
      } catch (IOException e) {
        journal.syncFailed(e);
        err = Journal.asDeviceError(e);
      }
    }
    List<CompletableFuture<Void>> later = new ArrayList<>(items.size());
    for (JournalItem it : items) {
      if (it.inline()) {
        JournalItem.complete(List.of(it.done()), err);
      } else {
        later.add(it.done());
      }
    }
    journal.completeLater(later, err);
  }

  /** Syncs what is pending and stops; what arrives after the last sync fails. */
  void stop() {
    pending.add(STOP);
    join();
    finished = true;
    failLeft(Journal.unavailable(journal.broken()));
  }

  /**
   * Stops as a crash would: nothing more is synced; what waited fails. A sync already under way
   * ends first: interrupting it would close the file it forces (NIO channels close on interrupt),
   * an extent file too, and RocksDB, flushing on, would find its data unforceable and write
   * entries naming it anyway, which no crash does.
   */
  void abandon() {
    abandoned = true;
    finished = true;
    pending.add(STOP);
    join();
    failLeft(Journal.unavailable(null));
  }

  /**
   * Fails every item still queued. Each is taken off the queue before it is failed, so one that an
   * {@link #add} puts there meanwhile is either taken here or seen by that add. Their batches were
   * applied and their owners told so: only the waiters learn that durability never came.
   */
  private void failLeft(Throwable why) {
    Object o;
    while ((o = pending.poll()) != null) {
      if (o instanceof JournalItem it) {
        it.done().completeExceptionally(why);
      }
    }
  }

  private void join() {
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
