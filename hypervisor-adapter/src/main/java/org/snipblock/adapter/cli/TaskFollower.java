package org.snipblock.adapter.cli;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.snipblock.adapter.Inventory;
import org.snipblock.adapter.model.TaskRecord;
import org.snipblock.adapter.records.Stored;
import org.snipblock.node.OperatorError;

/**
 * Follows a task until it ends, showing each step as it changes and each decision as it is taken
 * ({@link TaskProgress}); a task that did not end done is an operator error naming why.
 */
final class TaskFollower {
  private static final long POLL_MILLIS = 250;

  private TaskFollower() {}

  static TaskRecord follow(Inventory inventory, String id, TaskProgress progress, Duration timeout) {
    try {
      return await(inventory, id, progress, timeout);
    } finally {
      progress.finish();
    }
  }

  private static TaskRecord await(Inventory inventory, String id, TaskProgress progress, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      TaskRecord t = inventory.tasks.get(id).map(Stored::value)
          .orElseThrow(() -> new OperatorError("no task " + id));
      progress.show(t);
      if (t.finished()) {
        if (!t.state().equals(TaskRecord.DONE)) {
          throw new OperatorError("task " + id + " (" + t.kind() + " " + t.vm() + ") " + t.state() + ": " + t.error());
        }
        return t;
      }
      if (System.nanoTime() > deadline) {
        throw new OperatorError("task " + id + " is still " + t.state() + " after " + timeout.toSeconds()
            + " s (task show " + id + ")");
      }
      try {
        TimeUnit.MILLISECONDS.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new OperatorError("interrupted waiting for task " + id);
      }
    }
  }
}
