package org.snipblock.iscsi;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** Runs a real initiator (libiscsi tools, qemu) with a time limit and collects its output. */
final class ExternalTool {
  record Result(int exitCode, String output) {
    Result assertOk() {
      if (exitCode != 0) {
        fail("exit code " + exitCode + ", output:\n" + output);
      }
      return this;
    }
  }

  private ExternalTool() {}

  /** Fails when a tool is missing under CI=true; skips the test otherwise. */
  static void require(String... tools) {
    for (String tool : tools) {
      boolean found = false;
      for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
        if (Files.isExecutable(Path.of(dir, tool))) {
          found = true;
          break;
        }
      }
      if (!found) {
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
          fail(tool + " is required (CI=true) but not installed");
        }
        Assumptions.abort(tool + " not installed");
      }
    }
  }

  static Result run(Duration timeout, Map<String, String> env, List<String> command)
      throws IOException, InterruptedException {
    Path log = Files.createTempFile("iscsi-tool", ".log");
    try {
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(log.toFile());
      pb.environment().putAll(env);
      Process p = pb.start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        fail(command + " did not finish within " + timeout + ", output:\n"
            + Files.readString(log, StandardCharsets.UTF_8));
      }
      return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(log);
    }
  }

  static Result run(Duration timeout, String... command) throws IOException, InterruptedException {
    return run(timeout, Map.of(), List.of(command));
  }
}
