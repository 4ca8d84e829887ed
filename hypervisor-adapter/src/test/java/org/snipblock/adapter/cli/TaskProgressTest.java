package org.snipblock.adapter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.snipblock.adapter.model.TaskRecord;
import org.snipblock.adapter.model.TaskRecord.StepRecord;

class TaskProgressTest {
  private static TaskRecord task(List<StepRecord> steps, List<String> log) {
    return new TaskRecord("t7", "migrate", "web", null, "h2", TaskRecord.RUNNING, steps, log, null, false, 1, 2);
  }

  private static final StepRecord START_PENDING = new StepRecord("start target", "pending", "");
  private static final StepRecord START_RUNNING = new StepRecord("start target", "running", "on h2");
  private static final StepRecord MOVE_PENDING = new StepRecord("move memory", "pending", "");

  @Test
  void peopleSeeEachNoteAndEachStepChangeOnce() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    TaskProgress p = new TaskProgress(new PrintWriter(out), new PrintWriter(err), false);
    p.show(task(List.of(START_PENDING, MOVE_PENDING), List.of("chose h2: most free memory")));
    p.show(task(List.of(START_PENDING, MOVE_PENDING), List.of("chose h2: most free memory")));
    p.show(task(List.of(START_RUNNING, MOVE_PENDING), List.of("chose h2: most free memory")));
    assertThat(out.toString().split("\n")).containsExactly(
        "  chose h2: most free memory", "  [pending] start target", "  [pending] move memory",
        "  [running] start target");
    assertThat(err.toString()).as("steps done of all, as plain lines outside a terminal")
        .startsWith("migrate web: 0% 0/2 steps\n");
  }

  @Test
  void scriptsGetOneJsonObjectALine() {
    StringWriter out = new StringWriter();
    TaskProgress p = new TaskProgress(new PrintWriter(out), new PrintWriter(out), true);
    p.show(task(List.of(START_PENDING), List.of("chose \"h2\"")));
    p.show(task(List.of(START_RUNNING), List.of("chose \"h2\"")));
    p.finish();
    assertThat(out.toString().split("\n")).containsExactly(
        "{\"task\":\"t7\",\"note\":\"chose \\\"h2\\\"\"}",
        "{\"task\":\"t7\",\"step\":\"start target\",\"state\":\"pending\"}",
        "{\"progress\":\"migrate web\",\"percent\":0,\"done\":0,\"total\":1}",
        "{\"task\":\"t7\",\"step\":\"start target\",\"state\":\"running\",\"detail\":\"on h2\"}");
  }

  @Test
  void aRollbackShowsOnlyAsItsLinesAndAnEndedTaskAsAllDone() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    TaskProgress p = new TaskProgress(new PrintWriter(out), new PrintWriter(err), false);
    StepRecord startDone = new StepRecord("start target", "done", null);
    StepRecord moveDone = new StepRecord("move memory", "done", null);
    p.show(new TaskRecord("t8", "migrate", "web", null, "h2", TaskRecord.ROLLING_BACK, List.of(startDone,
        MOVE_PENDING), List.of(), "aborted", true, 1, 2));
    assertThat(err.toString()).isEmpty();
    p.show(new TaskRecord("t8", "migrate", "web", null, "h2", TaskRecord.DONE, List.of(startDone, moveDone),
        List.of(), null, false, 1, 2));
    p.finish();
    assertThat(err.toString()).startsWith("migrate web: 100% 2/2 steps, ").endsWith("\n")
        .doesNotContain("left");
  }
}
