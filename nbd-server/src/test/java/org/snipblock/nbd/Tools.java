package org.snipblock.nbd;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs the real NBD clients. A missing tool fails the test under CI=true and skips it otherwise.
 * /usr/bin goes first on PATH so nbdsh finds the python that has the libnbd bindings.
 */
final class Tools {
  private Tools() {}

  record Result(int exit, String out, String err) {
    Result ok() {
      if (exit != 0) {
        fail("exit " + exit + "\nstdout: " + out + "\nstderr: " + err);
      }
      return this;
    }
  }

  static void require(String command) {
    boolean present = Files.isExecutable(Path.of("/usr/bin", command))
        || Files.isExecutable(Path.of("/usr/sbin", command));
    if (command.equals("nbdsh") && present) {
      present = run(Duration.ofSeconds(20), "nbdsh", "-c", "import nbd").exit() == 0;
    }
    if (!present) {
      String message = command + " is not installed";
      if ("true".equals(System.getenv("CI"))) {
        fail(message);
      }
      Assumptions.abort(message);
    }
  }

  /** A process of a client, with the environment every client here runs in (see above). */
  static ProcessBuilder builder(List<String> command) {
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("PATH", "/usr/bin:/usr/sbin:/bin:" + System.getenv("PATH"));
    pb.environment().remove("PYTHONPATH");
    return pb;
  }

  static Result run(Duration timeout, String... command) {
    return run(timeout, Map.of(), List.of(command));
  }

  static Result run(Duration timeout, Map<String, String> env, List<String> command) {
    try {
      Path out = Files.createTempFile("tool", ".out");
      Path err = Files.createTempFile("tool", ".err");
      try {
        ProcessBuilder pb = builder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
          fail(command + " did not finish within " + timeout + "\nstderr: " + Files.readString(err));
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
            Files.readString(err, StandardCharsets.UTF_8));
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
