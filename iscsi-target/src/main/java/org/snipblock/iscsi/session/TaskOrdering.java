package org.snipblock.iscsi.session;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Consumer;

/**
 * SAM task attributes for one session's task set: SIMPLE tasks run concurrently, an ORDERED task
 * waits for everything before it and holds back everything after it, HEAD OF QUEUE runs at once.
 */
final class TaskOrdering {
  private final Deque<ScsiTask> blocked = new ArrayDeque<>();
  private final Consumer<ScsiTask> starter;
  private int running;
  private int orderedRunning;

  TaskOrdering(Consumer<ScsiTask> starter) {
    this.starter = starter;
  }

  void submit(ScsiTask task) {
    task.queued = true;
    if (task.headOfQueue() || (blocked.isEmpty() && canStart(task))) {
      start(task);
    } else {
      blocked.add(task);
    }
  }

  void finished(ScsiTask task) {
    running--;
    if (task.ordered()) {
      orderedRunning--;
    }
    while (!blocked.isEmpty() && canStart(blocked.peek())) {
      start(blocked.poll());
    }
  }

  /** Drops a task that has not started (aborted while waiting). */
  boolean remove(ScsiTask task) {
    boolean removed = blocked.remove(task);
    if (removed) {
      while (!blocked.isEmpty() && canStart(blocked.peek())) {
        start(blocked.poll());
      }
    }
    return removed;
  }

  private boolean canStart(ScsiTask task) {
    return task.ordered() ? running == 0 : orderedRunning == 0;
  }

  private void start(ScsiTask task) {
    running++;
    if (task.ordered()) {
      orderedRunning++;
    }
    starter.accept(task);
  }
}
