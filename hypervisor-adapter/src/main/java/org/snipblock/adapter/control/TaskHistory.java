package org.snipblock.adapter.control;

import java.util.Comparator;
import java.util.List;
import org.snipblock.adapter.Inventory;
import org.snipblock.adapter.model.TaskRecord;
import org.snipblock.adapter.records.RecordConflict;
import org.snipblock.adapter.records.Stored;

/**
 * Keeps the finished tasks to a bounded number: the records share one bounded space in the raft
 * metadata with the VMs and hosts, and a recovery that finds no room opens a task every
 * {@link Recovery#RETRY_MILLIS}, so an unpruned history would fill it in time.
 */
final class TaskHistory {
  /** Finished tasks kept, newest first; enough for an operator to look back over a busy day. */
  static final int KEEP_FINISHED = 200;

  private TaskHistory() {}

  /** The finished tasks beyond the newest {@code keep}, oldest last; open tasks are never among them. */
  static List<Stored<TaskRecord>> expired(List<Stored<TaskRecord>> all, int keep) {
    return all.stream().filter(t -> t.value().finished())
        .sorted(Comparator.comparingLong((Stored<TaskRecord> t) -> t.value().updated()).reversed()
            .thenComparing(Stored::key))
        .skip(keep).toList();
  }

  /** Deletes the expired tasks, each only if it has not changed since it was listed. */
  static void prune(Inventory inventory) {
    for (Stored<TaskRecord> t : expired(inventory.tasks.list(), KEEP_FINISHED)) {
      try {
        inventory.tasks.delete(t.key(), t.version());
      } catch (RecordConflict e) {
        // changed since listed (an operator's abort, say): look again on the next round
      }
    }
  }
}
