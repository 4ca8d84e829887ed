package org.snipblock.node.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.snipblock.cluster.proto.Record;

class TaskViewTest {
  private static final long NOW = 10_000_000L;

  private static Record record(String key, String json) {
    return Record.newBuilder().setKind("task").setKey(key).setValue(ByteString.copyFromUtf8(json)).build();
  }

  private static Record task(String key, String state, long updated, String steps) {
    return record(key, "{\"id\":\"%s\",\"kind\":\"create\",\"vm\":\"web\",\"state\":\"%s\",\"updated\":%d,\"steps\":[%s]}"
        .formatted(key, state, updated, steps));
  }

  @Test
  void openTasksAndThoseEndedLatelyNewestFirst() {
    List<OperatorView.Task> tasks = TaskView.of(List.of(
        task("old-done", "done", NOW - 11 * 60_000L, ""),
        task("open-long", "running", NOW - 60 * 60_000L, "{\"name\":\"start vm\",\"state\":\"running\"}"),
        task("just-failed", "failed", NOW - 1000, "{\"name\":\"create disk\",\"state\":\"failed\"}"),
        task("queued", "queued", NOW - 5, "")), NOW);
    assertThat(tasks).extracting(OperatorView.Task::id).containsExactly("queued", "just-failed", "open-long");
    assertThat(tasks.get(2).step()).isEqualTo("start vm (running)");
    assertThat(tasks.get(1).step()).isEqualTo("create disk (failed)");
  }

  @Test
  void countsDoneStepsAndNamesTheFirstOneNotDone() {
    OperatorView.Task t = TaskView.of(List.of(task("t1", "running", NOW, """
        {"name":"a","state":"done"},{"name":"b","state":"done"},{"name":"c","state":"running"},{"name":"d","state":""}""")),
        NOW).get(0);
    assertThat(t.stepsDone()).isEqualTo(2);
    assertThat(t.stepsTotal()).isEqualTo(4);
    assertThat(t.step()).isEqualTo("c (running)");
  }

  @Test
  void recordsThatAreNotTasksAreLeftOut() {
    assertThat(TaskView.of(List.of(record("a", "not json"), record("b", "[1,2"), record("c", "")), NOW)).isEmpty();
  }
}
