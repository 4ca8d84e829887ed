package org.snipblock.node.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** The real clients the end-to-end tests drive (qemu-img, qemu-io, nbdsh...). */
public final class Tools {
  private Tools() {}

  /** Result of a finished command. */
  public record Run(List<String> command, int exit, String output) {
    public Run ok() {
      assertThat(exit).as("exit status of %s, output:%n%s", String.join(" ", command), output).isZero();
      return this;
    }
  }

  /**
   * Makes sure a client is installed: without it the test fails under CI (CI=true) and is
   * skipped elsewhere, so a developer without the packages can still run the rest.
   */
  public static void require(String... commands) {
    for (String command : commands) {
      boolean found = Arrays.stream(System.getenv().getOrDefault("PATH", "/usr/bin").split(":"))
          .anyMatch(dir -> Files.isExecutable(Path.of(dir, command)));
      if (!found) {
        String why = command + " is not installed (bin/test installs it)";
        missing(why);
      }
    }
  }

  /** Makes sure a file a client needs is there (a library's headers, say): as {@link #require}. */
  public static void requireFile(Path file, String what) {
    if (!Files.exists(file)) {
      missing(what + " is not installed (" + file + "; bin/test installs it)");
    }
  }

  /** qemu's iscsi:// driver comes in its own package (qemu-block-extra), with no command to look for. */
  public static void requireQemuIscsi() {
    require("qemu-img");
    if (!Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/qemu/block-iscsi.so"))) {
      String why = "qemu's iscsi driver is not installed (qemu-block-extra; bin/test installs it)";
      missing(why);
    }
  }

  /**
   * The system Python with libnbd's bindings (python3-libnbd). Named by path: a python3 earlier
   * on PATH (pyenv, venv) does not see Debian's packages.
   */
  public static final String SYSTEM_PYTHON = "/usr/bin/python3";

  /** Makes sure {@link #SYSTEM_PYTHON} can import libnbd's {@code nbd} module. */
  public static void requirePythonNbd() {
    require("nbdsh");
    if (!Files.isExecutable(Path.of(SYSTEM_PYTHON)) || run(30, SYSTEM_PYTHON, "-c", "import nbd").exit() != 0) {
      String why = SYSTEM_PYTHON + " cannot import nbd (python3-libnbd; bin/test installs it)";
      missing(why);
    }
  }

  /** A tool is missing: a failure under CI (CI=true), where bin/test must have installed it; else a skip. */
  private static void missing(String why) {
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      fail(why);
    }
    Assumptions.abort(why);
  }

  /** Runs a command to its end (failing the test after {@code timeoutSeconds}), stdout and stderr together. */
  /**
   * The one error line a refused export or import prints on stderr, asserting there is exactly one;
   * the progress lines it writes there too (plain lines when stderr is not a terminal) are left out.
   */
  public static String backupErrorLine(String stderr) {
    List<String> errors = stderr.strip().lines().filter(l -> !l.matches("(import|export) \\S+: .*")).toList();
    assertThat(errors).as("one error line: %s", stderr).hasSize(1);
    return errors.get(0);
  }

  /** nbdinfo's map of one metadata context of an export, as {offset, length, type} triples. */
  public static List<List<Long>> nbdinfoMap(String context, String url) {
    String out = run(60, "nbdinfo", "--json", "--map=" + context, url).ok().output();
    List<List<Long>> runs = new java.util.ArrayList<>();
    try {
      for (com.fasterxml.jackson.databind.JsonNode e : new com.fasterxml.jackson.databind.ObjectMapper()
          .readTree(out.substring(out.indexOf('[')))) {
        runs.add(List.of(e.get("offset").asLong(), e.get("length").asLong(), e.get("type").asLong()));
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return runs;
  }

  /** A tool's output as text: UTF-8, or byte by byte where it is not (a tool printing raw data). */
  private static String text(Path out) throws IOException {
    byte[] bytes = Files.readAllBytes(out);
    try {
      return java.nio.charset.StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      return new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
    }
  }

  public static Run run(long timeoutSeconds, String... command) {
    List<String> cmd = List.of(command);
    Path out = null;
    try {
      out = Files.createTempFile("snipblock-tool", ".out");
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
        fail("timed out after " + timeoutSeconds + " s: " + String.join(" ", cmd) + "\n" + Files.readString(out));
      }
      return new Run(cmd, p.exitValue(), text(out));
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + cmd, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + cmd, e);
    } finally {
      if (out != null) {
        out.toFile().delete();
      }
    }
  }

  /** Waits for {@code p} to end, at most {@code seconds}; returns its exit status. */
  public static int waitFor(Process p, long seconds) {
    try {
      assertThat(p.waitFor(seconds, TimeUnit.SECONDS)).as("process ended within %d s", seconds).isTrue();
      return p.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Sets {@code length} bytes of {@code file} at {@code offset} to {@code value}, as a client write would. */
  public static void fill(Path file, long offset, long length, byte value) throws IOException {
    byte[] chunk = new byte[1 << 20];
    Arrays.fill(chunk, value);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      for (long done = 0; done < length; done += chunk.length) {
        ch.write(ByteBuffer.wrap(chunk, 0, (int) Math.min(chunk.length, length - done)), offset + done);
      }
    }
  }

  /** A file of {@code size} pseudo-random bytes (a whole number of MiB), the same for the same seed. */
  public static Path randomImage(Path file, long size, long seed) throws IOException {
    Random random = new Random(seed);
    byte[] chunk = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(file)) {
      for (long done = 0; done < size; done += chunk.length) {
        random.nextBytes(chunk);
        out.write(chunk);
      }
    }
    return file;
  }
}
