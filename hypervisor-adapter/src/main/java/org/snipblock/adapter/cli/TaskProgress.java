package org.snipblock.adapter.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.snipblock.adapter.model.TaskRecord;

/**
 * Prints what changed in a task since the last look: each decision noted and each step whose state
 * moved. As indented text lines for people, or with --json as one JSON object a line (on stderr, so
 * stdout keeps only the command's result).
 */
final class TaskProgress {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final PrintWriter out;
  private final boolean json;
  private final Map<String, String> seen = new HashMap<>();
  private int notes;

  TaskProgress(PrintWriter out, boolean json) {
    this.out = out;
    this.json = json;
  }

  void show(TaskRecord t) {
    for (; notes < t.log().size(); notes++) {
      print(t, "note", t.log().get(notes), null, "  " + t.log().get(notes));
    }
    for (TaskRecord.StepRecord s : t.steps()) {
      if (!s.state().equals(seen.put(s.name(), s.state()))) {
        print(t, "step", s.name(), s, "  [" + s.state() + "] " + s.name());
      }
    }
    out.flush();
  }

  private void print(TaskRecord t, String key, String value, TaskRecord.StepRecord step, String text) {
    if (!json) {
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
