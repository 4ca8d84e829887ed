package org.snipblock.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SigkillTest {
  private static final int LINES = 2000;

  @Test
  void linesWrittenBeforeTheKillCanStillBeRead() throws Exception {
    // The child fills its stdout pipe (well under the pipe's capacity, so it never blocks), says so
    // on stderr, then waits on stdin until it is killed.
    Process child = new ProcessBuilder("sh", "-c",
        "i=0; while [ $i -lt " + LINES + " ]; do echo \"line $i\"; i=$((i+1)); done; echo written >&2; read x")
        .start();
    try (BufferedReader err = new BufferedReader(
            new InputStreamReader(child.getErrorStream(), StandardCharsets.UTF_8));
        BufferedReader out = new BufferedReader(
            new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      assertThat(err.readLine()).isEqualTo("written");

      assertThat(Sigkill.kill(child, Duration.ofSeconds(30))).isTrue();

      List<String> lines = new ArrayList<>();
      for (String l = out.readLine(); l != null; l = out.readLine()) {
        lines.add(l);
      }
      assertThat(lines).hasSize(LINES);
      assertThat(lines.get(0)).isEqualTo("line 0");
      assertThat(lines.get(LINES - 1)).isEqualTo("line " + (LINES - 1));
    } finally {
      child.toHandle().destroyForcibly();
    }
  }
}
