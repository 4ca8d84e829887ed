package org.snipblock.adapter.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.snipblock.adapter.model.TaskRecord;
import org.snipblock.node.cli.Progress;

/**
 * Prints what changed in a task since the last look: each decision noted and each step whose state
 * moved, as indented text lines for people, or with --json as one JSON object a line (on stderr, so
 * stdout keeps only the command's result). While the task runs forward, the node CLI's {@link
 * Progress} shows the steps done of all planned on stderr: a bar with rate and time left at a
 * terminal, plain lines into a file, JSON lines with --json. A rollback shows only as its lines.
 */
final class TaskProgress {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final PrintWriter out;
  private final PrintWriter err;
  private final boolean json;
  private final Map<String, String> seen = new HashMap<>();
  private int notes;
  /** Made at the first look, when the task's name and age are known. */
  private Progress progress;

  /**
   * @param out where the step and note lines go (stdout, or stderr with --json)
   * @param err where the progress goes
   */
  TaskProgress(PrintWriter out, PrintWriter err, boolean json) {
    this.out = out;
    this.err = err;
    this.json = json;
  }

  void show(TaskRecord t) {
    if (progress == null) {
      progress = Progress.counting(err, t.kind() + " " + t.vm(), json, "steps",
          Duration.ofMillis(System.currentTimeMillis() - t.created()));
    }
    for (; notes < t.log().size(); notes++) {
      print(t, "note", t.log().get(notes), null, "  " + t.log().get(notes));
    }
    for (TaskRecord.StepRecord s : t.steps()) {
      if (!s.state().equals(seen.put(s.name(), s.state()))) {
        print(t, "step", s.name(), s, "  [" + s.state() + "] " + s.name());
      }
    }
    out.flush();
    boolean forward = t.state().equals(TaskRecord.RUNNING) || t.state().equals(TaskRecord.DONE);
    if (forward && !t.steps().isEmpty()) {
      long done = t.steps().stream().filter(s -> s.state().equals("done")).count();
      progress.update(done, t.steps().size(), done);
    }
  }

  /** Ends the progress bar's line (after the last look, whatever the outcome). */
  void finish() {
    if (progress != null) {
      progress.finish();
    }
  }

  private void print(TaskRecord t, String key, String value, TaskRecord.StepRecord step, String text) {
    if (!json) {
      progress.clear();
      out.println(text);
      return;
    }
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("task", t.id());
    line.put(key, value);
    if (step != null) {
      line.put("state", step.state());
      if (step.detail() != null && !step.detail().isEmpty()) {
        line.put("detail", step.detail());
      }
    }
    try {
      out.println(MAPPER.writeValueAsString(line));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a task progress line", e);
    }
  }
}
