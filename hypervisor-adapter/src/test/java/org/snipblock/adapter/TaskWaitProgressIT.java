package org.snipblock.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.adapter.model.TaskRecord;
import org.snipblock.adapter.model.TaskRecord.StepRecord;
import org.snipblock.adapter.testing.TestFleet;
import org.snipblock.node.cli.Main;
import org.snipblock.node.testing.DaemonProcess;
import org.snipblock.node.testing.Tools;

/**
 * {@code task wait} in a CLI process of its own against a storage node keeping a task record as the
 * adapter's controller writes it (no host agent runs, so nothing moves the task but this test): at a
 * terminal (a pseudo-terminal made by {@code script}) it draws the steps done of all planned as a bar
 * with rate and time left, below the step lines; into a pipe it writes plain lines; with --json one
 * JSON object a line on stderr and the ended task on stdout.
 */
class TaskWaitProgressIT {
  private static final long MINUTE_MILLIS = 60_000;

  @TempDir Path dir;

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void taskWaitShowsStepsDoneAsABarLinesOrJson() throws Exception {
    Tools.require("script");
    try (TestFleet fleet = TestFleet.start(dir, Path.of("target/task-wait-logs"));
        Inventory inventory = new Inventory(List.of(fleet.node().info().adminAddress()))) {
      long created = System.currentTimeMillis() - MINUTE_MILLIS;   // one of three steps done in a minute
      List<StepRecord> oneDone = List.of(new StepRecord("let h2 in at the storage", "done", null),
          new StepRecord("live-migrate web from h1 to h2", "running", null),
          new StepRecord("shut h1 out of the volumes of web", "pending", null));
      inventory.tasks.create("t-wait", new TaskRecord("t-wait", "migrate", "web", null, "h2", TaskRecord.RUNNING,
          oneDone, List.of("chose h2: most free memory"), null, false, created, created));

      // --timeout 0: one look, then the operator error; the task itself goes on
      Tools.Run wait = Tools.run(120, "script", "-q", "-e", "-c", command(fleet, "--timeout", "0"), "/dev/null");
      assertThat(wait.exit()).as(wait.output()).isEqualTo(Main.EXIT_FAILURE);
      String waiting = wait.output();
      assertThat(waiting).contains("  chose h2: most free memory", "  [done] let h2 in at the storage",
          "  [pending] shut h1 out of the volumes of web",
          "snipblock: task t-wait is still running after 0 s (task show t-wait)");
      assertThat(waiting).containsPattern("\rmigrate web \\[#########" + " {21}\\] 33% 1/3 steps, "
          + "\\d\\.\\d steps/min, 2 min \\d+ s left");

      inventory.tasks.update("t-wait", t -> new TaskRecord("t-wait", "migrate", "web", null, "h2", TaskRecord.DONE,
          oneDone.stream().map(s -> new StepRecord(s.name(), "done", null)).toList(), t.log(), null, false,
          created, System.currentTimeMillis()));
      Tools.Run done = Tools.run(120, "script", "-q", "-e", "-c", command(fleet), "/dev/null").ok();
      assertThat(done.output()).containsPattern("\rmigrate web \\[#{30}\\] 100% 3/3 steps, \\d\\.\\d steps/min")
          .doesNotContain("left").contains("task t-wait done");

      String plain = Tools.run(120, DaemonProcess.snipblockCommand(args(fleet)).toArray(String[]::new)).ok().output();
      assertThat(plain).doesNotContain("\r").doesNotContain("[#")
          .containsPattern("(?m)^migrate web: 100% 3/3 steps, \\d\\.\\d steps/min$").contains("task t-wait done");

      String json = Tools.run(120, "script", "-q", "-e", "-c", command(fleet, "--json"), "/dev/null").ok().output();
      assertThat(json).doesNotContain("[#").startsWith("{\"task\":\"t-wait\",\"note\":\"chose h2: most free memory\"}")
          .contains("{\"task\":\"t-wait\",\"step\":\"shut h1 out of the volumes of web\",\"state\":\"done\"}")
          .containsPattern("\\{\"progress\":\"migrate web\",\"percent\":100,\"done\":3,\"total\":3,"
              + "\"stepsPerSecond\":0\\.0\\d+}")
          .contains("\"state\" : \"done\"");
    }
  }

  private static List<String> args(TestFleet fleet, String... more) {
    List<String> args = new java.util.ArrayList<>(List.of("task", "wait", "t-wait", "--admin",
        fleet.node().info().adminAddress()));
    args.addAll(List.of(more));
    return args;
  }

  private static String command(TestFleet fleet, String... more) {
    return String.join(" ", DaemonProcess.snipblockCommand(args(fleet, more)));
  }
}
