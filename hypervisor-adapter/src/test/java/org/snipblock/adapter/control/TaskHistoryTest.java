package org.snipblock.adapter.control;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.snipblock.adapter.model.TaskRecord;
import org.snipblock.adapter.records.Stored;

class TaskHistoryTest {
  private static Stored<TaskRecord> task(String id, String state, long updated) {
    return new Stored<>(id, new TaskRecord(id, "recover", "vm", null, null, state, List.of(), List.of(), null, false,
        updated, updated), 3);
  }

  @Test
  void keepsTheNewestFinishedTasksAndEveryOpenOne() {
    List<Stored<TaskRecord>> all = new ArrayList<>();
    all.add(task("open-old", TaskRecord.RUNNING, 1));
    all.add(task("queued-old", TaskRecord.QUEUED, 2));
    for (int i = 0; i < 10; i++) {
      all.add(task("t" + i, i % 2 == 0 ? TaskRecord.DONE : TaskRecord.ROLLED_BACK, 100 + i));
    }
    all.add(task("failed-new", TaskRecord.FAILED, 500));

    List<String> expired = TaskHistory.expired(all, 4).stream().map(Stored::key).toList();

    assertThat(expired).containsExactly("t6", "t5", "t4", "t3", "t2", "t1", "t0");
  }

  @Test
  void nothingExpiresWithinTheBound() {
    List<Stored<TaskRecord>> all = List.of(task("a", TaskRecord.DONE, 1), task("b", TaskRecord.FAILED, 2));
    assertThat(TaskHistory.expired(all, 2)).isEmpty();
    assertThat(TaskHistory.expired(List.of(), 0)).isEmpty();
  }
}
