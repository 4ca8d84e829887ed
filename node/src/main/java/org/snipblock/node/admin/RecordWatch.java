package org.snipblock.node.admin;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.Executor;
import org.snipblock.node.admin.v1.RecordEvent;

/**
 * One WatchRecords call: events queue here (the raft applier only enqueues) and go out as fast as
 * the watcher reads them. A watcher more than {@link #MAX_BEHIND} events behind is ended with
 * RESOURCE_EXHAUSTED rather than let the queue grow without bound; it watches again.
 */
final class RecordWatch {
  static final int MAX_BEHIND = 10_000;

  private final ServerCallStreamObserver<RecordEvent> out;
  private final Executor sender;
  private final Deque<RecordEvent> queue = new ArrayDeque<>();
  /** Changes that arrive before the current records are queued (they must come after them). */
  private final List<RecordEvent> early = new ArrayList<>();
  private boolean started;
  /** The queue may hold the initial listing plus {@link #MAX_BEHIND} changes. */
  private int limit = MAX_BEHIND;
  private boolean sending;
  private boolean overflowed;
  private boolean ended;
  private Runnable cancel = () -> {};

  RecordWatch(ServerCallStreamObserver<RecordEvent> out, Executor sender) {
    this.out = out;
    this.sender = sender;
    out.setOnReadyHandler(this::schedule);
    out.setOnCancelHandler(this::end);
  }

  /** The records as the watch began, then SYNCED, then whatever changed meanwhile. */
  void start(List<RecordEvent> current, Runnable cancel) {
    synchronized (this) {
      this.cancel = cancel;
      if (ended) {
        cancel.run();
        return;
      }
      queue.addAll(current);
      queue.add(RecordEvent.newBuilder().setType(RecordEvent.Type.SYNCED).build());
      // However many records there are, the watcher gets them all: only changes count as behind.
      limit = queue.size() + MAX_BEHIND;
      queue.addAll(early);
      overflowed = early.size() > MAX_BEHIND;
      early.clear();
      started = true;
    }
    schedule();
  }

  /** A change, from the raft applier thread: only queued here. */
  void change(RecordEvent event) {
    synchronized (this) {
      if (ended || overflowed) {
        return;
      }
      if (!started) {
        early.add(event);
        return;
      }
      if (queue.size() >= limit) {
        overflowed = true;
      } else {
        queue.add(event);
      }
    }
    schedule();
  }

  private void schedule() {
    synchronized (this) {
      if (sending || ended) {
        return;
      }
      sending = true;
    }
    sender.execute(this::send);
  }

  private void send() {
    while (true) {
      RecordEvent next;
      synchronized (this) {
        if (ended) {
          sending = false;
          return;
        }
        if (queue.isEmpty() && overflowed) {
          ended = true;
          sending = false;
          cancel.run();
          out.onError(Status.RESOURCE_EXHAUSTED.withDescription("record watcher fell more than " + MAX_BEHIND
              + " changes behind; watch again").asRuntimeException());
          return;
        }
        if (queue.isEmpty() || !out.isReady()) {
          sending = false;
          return;
        }
        next = queue.poll();
      }
      try {
        out.onNext(next);
      } catch (RuntimeException e) {
        // The call was cancelled under us: the watcher is gone.
        synchronized (this) {
          sending = false;
        }
        end();
        return;
      }
    }
  }

  private void end() {
    Runnable stop;
    synchronized (this) {
      ended = true;
      stop = cancel;
    }
    stop.run();
  }
}
