package org.snipblock.adapter.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import org.snipblock.adapter.model.TaskRecord;
import org.snipblock.adapter.records.Stored;
import org.snipblock.node.OperatorError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code snipblock task list|show|abort|wait}: the tasks on record. */
@Command(name = "task", description = "Tasks: every create, start, stop, delete and recovery.",
    mixinStandardHelpOptions = true)
final class TaskCommand {
  @Spec CommandSpec spec;

  @Command(name = "list", mixinStandardHelpOptions = true, description = "Every task, newest last.")
  void list(@Mixin FleetOptions fleet) {
    PrintWriter out = spec.commandLine().getOut();
    List<TaskRecord> all = fleet.call(inv -> inv.tasks.list().stream().map(Stored::value)
        .sorted(Comparator.comparingLong(TaskRecord::created)).toList());
    if (fleet.json) {
      Printer.json(out, all);
      return;
    }
    if (all.isEmpty()) {
      out.println("no tasks");
      return;
    }
    String f = "%-16s %-8s %-10s %-12s %-24s %s%n";
    out.printf(f, "ID", "KIND", "VM", "STATE", "CREATED", "ERROR");
    for (TaskRecord t : all) {
      out.printf(f, t.id(), t.kind(), t.vm(), t.state(), Instant.ofEpochMilli(t.created()),
          t.error() == null ? "" : t.error());
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "One task: its steps and the decisions taken.")
  void show(@Parameters(paramLabel = "ID") String id, @Mixin FleetOptions fleet) {
    PrintWriter out = spec.commandLine().getOut();
    TaskRecord t = fleet.call(inv -> inv.tasks.get(id).map(Stored::value)
        .orElseThrow(() -> new OperatorError("no task " + id)));
    if (fleet.json) {
      Printer.json(out, t);
      return;
    }
    out.printf("task %s: %s %s, %s%s%n", t.id(), t.kind(), t.vm(), t.state(),
        t.error() == null ? "" : " (" + t.error() + ")");
    for (TaskRecord.StepRecord s : t.steps()) {
      out.printf("  [%s] %s%s%n", s.state(), s.name(), s.detail() == null ? "" : ": " + s.detail());
    }
    for (String line : t.log()) {
      out.printf("  - %s%n", line);
    }
  }

  @Command(name = "abort", mixinStandardHelpOptions = true, description = "Ask the controller to stop the task and undo its steps.")
  void abort(@Parameters(paramLabel = "ID") String id, @Mixin FleetOptions fleet) {
    fleet.call(inv -> {
      TaskRecord t = inv.tasks.get(id).map(Stored::value).orElseThrow(() -> new OperatorError("no task " + id));
      if (t.finished()) {
        throw new OperatorError("task " + id + " has ended (" + t.state() + ")");
      }
      return inv.tasks.update(id, TaskRecord::withAbort);
    });
    spec.commandLine().getOut().println("abort of task " + id + " requested");
  }

  @Command(name = "wait", mixinStandardHelpOptions = true, description = "Wait for the task to end; fails unless it ended done."
      + VmCommand.CTRL_C)
  void await(@Parameters(paramLabel = "ID") String id,
      @Option(names = "--timeout", defaultValue = "600", paramLabel = "SECONDS") long seconds,
      @Mixin FleetOptions fleet) {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    TaskProgress progress = new TaskProgress(fleet.json ? err : out, err, fleet.json);
    TaskRecord t = fleet.call(inv -> TaskFollower.follow(inv, id, progress, Duration.ofSeconds(seconds)));
    if (fleet.json) {
      Printer.json(out, t);
    } else {
      out.println("task " + id + " " + t.state());
    }
  }
}
