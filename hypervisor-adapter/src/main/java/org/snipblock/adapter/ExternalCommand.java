package org.snipblock.adapter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.snipblock.node.OperatorError;

/** Runs a helper program (mkfs.vfat, mcopy...) to its end, bounded in time; a failure says what it printed. */
public final class ExternalCommand {
  private ExternalCommand() {}

  /** Runs {@code command}; returns its output (stdout and stderr together) or throws naming it. */
  public static String run(Duration timeout, List<String> command) {
    Process p;
    try {
      p = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    } catch (IOException e) {
      throw new OperatorError("cannot run " + command.get(0) + " (is it installed?): " + e.getMessage(), e);
    }
    try {
      // The helpers print little: reading to the end before waiting cannot fill the pipe.
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new OperatorError(command.get(0) + " did not finish within " + timeout.toSeconds() + " s");
      }
      if (p.exitValue() != 0) {
        throw new OperatorError(String.join(" ", command) + " failed (exit " + p.exitValue() + "): "
            + output.strip().replace('\n', ' '));
      }
      return output;
    } catch (IOException e) {
      throw new OperatorError("reading the output of " + command.get(0) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new OperatorError("interrupted running " + command.get(0), e);
    }
  }
}
