package org.snipblock.node.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snipblock.cluster.proto.Record;

/**
 * The hypervisor adapter's tasks as the dashboard lists them, read from the records of kind
 * {@code task} (the adapter's JSON, docs/records-api.md): open tasks and those ended lately, newest
 * first. The node only reads them; a record it cannot parse is left out, never fatal to the page.
 */
final class TaskView {
  static final String KIND = "task";
  private static final Logger log = LoggerFactory.getLogger(TaskView.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> ENDED = Set.of("done", "rolled-back", "failed");
  /** Long enough to notice a task ended between two looks at the page, short enough to stay a short list. */
  private static final long ENDED_SHOWN_MILLIS = 10 * 60_000L;
  private static final int MOST = 20;

  private TaskView() {}

  static List<OperatorView.Task> of(List<Record> records, long nowMillis) {
    return records.stream().map(TaskView::parse).flatMap(Optional::stream)
        .filter(t -> !ENDED.contains(t.state()) || nowMillis - t.updatedMillis() < ENDED_SHOWN_MILLIS)
        .sorted(Comparator.comparingLong(OperatorView.Task::updatedMillis).reversed()).limit(MOST).toList();
  }

  private static Optional<OperatorView.Task> parse(Record r) {
    try {
      JsonNode t = JSON.readTree(r.getValue().toByteArray());
      if (t == null || !t.isObject() || t.path("state").asText().isEmpty()) {
        log.debug("task record {} has no state: not a task the dashboard can read", r.getKey());
        return Optional.empty();
      }
      int done = 0;
      String current = "";
      JsonNode steps = t.path("steps");
      for (JsonNode s : steps) {
        String state = s.path("state").asText();
        if (state.equals("done")) {
          done++;
        } else if (current.isEmpty() && !state.isEmpty()) {
          current = s.path("name").asText() + " (" + state + ")";
        }
      }
      return Optional.of(new OperatorView.Task(r.getKey(), t.path("kind").asText(), t.path("vm").asText(),
          t.path("state").asText(), current, done, steps.size(), t.path("error").asText(""),
          t.path("updated").asLong()));
    } catch (IOException | RuntimeException e) {
      log.debug("task record {} is not a task the dashboard can read: {}", r.getKey(), e.toString());
      return Optional.empty();
    }
  }
}
