package org.snipblock.node.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code src/test/c/iscsi-paths.c}: a small initiator on libiscsi for what no installed libiscsi tool
 * does (PERSISTENT RESERVE OUT; round-robin writes over two paths with a failed one dropped). libiscsi
 * encodes and decodes every command; the tool is built once per test JVM with gcc into target/.
 */
public final class IscsiPaths {
  private static final Path SOURCE = Path.of("src", "test", "c", "iscsi-paths.c");
  private static final Path BINARY = Path.of("target", "iscsi-paths").toAbsolutePath();
  private static boolean built;

  private IscsiPaths() {}

  /** The built tool's path, building it first if this JVM has not (gcc and libiscsi-dev). */
  public static synchronized String binary() {
    if (!built) {
      Tools.require("gcc");
      Tools.requireFile(Path.of("/usr/include/iscsi/iscsi.h"), "libiscsi's headers (libiscsi-dev)");
      Tools.run(120, "gcc", "-Wall", "-O1", "-o", BINARY.toString(), SOURCE.toString(), "-liscsi").ok();
      built = true;
    }
    return BINARY.toString();
  }

  /**
   * One session of {@code initiator} to {@code url} running {@code steps} in order (see the tool's
   * header); one output line a step, e.g. {@code write:0:aa RESERVATION_CONFLICT}.
   */
  public static List<String> steps(String initiator, String url, String... steps) {
    List<String> cmd = new ArrayList<>(List.of(binary(), "steps", initiator, url));
    cmd.addAll(List.of(steps));
    Tools.Run run = Tools.run(120, cmd.toArray(String[]::new)).ok();
    List<String> lines = run.output().lines().toList();
    assertThat(lines).as("one line a step from %s", run.output()).hasSize(steps.length);
    return lines;
  }

  /**
   * One session of {@code initiator} to {@code url} running {@code steps}, one of which is
   * {@code hold}: the session stays (its nexus, and what it holds, with it) until {@link #letGo}.
   * Its output lines go to {@code out} as they come.
   */
  public static Process holding(String initiator, String url, Path out, String... steps) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(binary(), "steps", initiator, url));
    cmd.addAll(List.of(steps));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
  }

  /** Lets a {@link #holding} session go on past its {@code hold} step. */
  public static void letGo(Process held) throws IOException {
    held.getOutputStream().write('\n');
    held.getOutputStream().flush();
  }

  /** The process of round-robin writes over two paths; its output lines say what was acknowledged. */
  public static Process roundRobin(String initiator, String url1, String url2, int writes, long seed, Path out)
      throws IOException {
    return new ProcessBuilder(binary(), "roundrobin", initiator, url1, url2, String.valueOf(writes),
        String.valueOf(seed)).redirectErrorStream(true).redirectOutput(out.toFile()).start();
  }

  /** Reads back through {@code url} what {@link #roundRobin} wrote; the tool's one line. */
  public static Tools.Run verify(String initiator, String url, int writes, long seed) {
    return Tools.run(120, binary(), "verify", initiator, url, String.valueOf(writes), String.valueOf(seed));
  }
}
