package org.snipblock.node.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.snipblock.node.cli.Main;
import org.snipblock.node.daemon.NodeInfo;

/**
 * A snipblock node running as its own JVM ({@code snipblock serve} or {@code up} on the test class path), on
 * ephemeral ports of 127.0.0.1. Its log goes to a file next to the data directory; start-up is
 * detected from the log line the node writes once every port is bound, never by sleeping.
 */
public final class DaemonProcess implements AutoCloseable {
  private static final long START_SECONDS = 120;
  private static String classPathSnapshot;

  private final Path workDir;
  private final Path dataDir;
  private Path log;
  private List<String> args;
  private final String readyLine;
  private Process process;
  private NodeInfo info;
  /** Completes once the process's output has all been copied to the log (it has exited). */
  private CompletableFuture<Void> logDrained;

  private DaemonProcess(Path workDir, Path dataDir, List<String> args, String readyLine) {
    this(workDir, dataDir, args, readyLine, dataDir.resolveSibling(dataDir.getFileName() + ".log"));
  }

  private DaemonProcess(Path workDir, Path dataDir, List<String> args, String readyLine, Path log) {
    this.workDir = workDir;
    this.dataDir = dataDir;
    this.log = log;
    this.args = args;
    this.readyLine = readyLine;
  }

  /**
   * Any long-running snipblock command (e.g. the hypervisor adapter's {@code host serve}), run in
   * {@code workDir} and ready once it prints a line containing {@code readyLine}; it has no node.json,
   * so {@link #info()} is null and the CLI helpers do not apply.
   */
  public static DaemonProcess command(Path workDir, String readyLine, String... args) {
    return new DaemonProcess(workDir, null, List.of(args), readyLine, workDir.resolve("process.log"));
  }

  /** {@code snipblock serve --data DATA} on ephemeral ports, plus {@code extraArgs}. */
  public static DaemonProcess serve(Path dataDir, String... extraArgs) {
    List<String> args = new ArrayList<>(List.of("serve", "--data", dataDir.toString(), "--listen", "127.0.0.1",
        "--iscsi-port", "0", "--nbd-port", "0", "--admin-port", "0"));
    args.addAll(List.of(extraArgs));
    return new DaemonProcess(dataDir.getParent(), dataDir, args, " ready on ");
  }

  /** {@code snipblock up} run in {@code workDir} (so its data lands in workDir/snipblock-data), ephemeral ports. */
  public static DaemonProcess up(Path workDir) {
    return new DaemonProcess(workDir, workDir.resolve("snipblock-data"),
        List.of("up", "--iscsi-port", "0", "--nbd-port", "0", "--admin-port", "0"), "Stop with Ctrl-C");
  }

  /**
   * The test's class path with snipblock's own classes and jars copied aside once per test JVM: other
   * builds in the same tree (bin/snipblock, another module's install) rewrite target/classes and the
   * installed jars, and a daemon that loads a class lazily minutes later must not find it gone.
   * Third-party jars never change under a version and are used where they are.
   */
  private static synchronized String classPath() {
    if (classPathSnapshot == null) {
      try {
        Path dir = Files.createTempDirectory("snipblock-daemon-classpath");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
        List<String> entries = new ArrayList<>();
        int i = 0;
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
          Path from = Path.of(entry);
          Path to = dir.resolve(i++ + "-" + from.getFileName());
          if (Files.isDirectory(from)) {
            copyTree(from, to);
            entries.add(to.toString());
          } else if (entry.contains("/org/snipblock/") && Files.isRegularFile(from)) {
            Files.copy(from, to);
            entries.add(to.toString());
          } else {
            entries.add(entry);
          }
        }
        classPathSnapshot = String.join(java.io.File.pathSeparator, entries);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException("cannot copy the daemons' class path", e);
      }
    }
    return classPathSnapshot;
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (java.util.stream.Stream<Path> all = Files.walk(from)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }

  private static void deleteTree(Path dir) {
    try (java.util.stream.Stream<Path> all = Files.walk(dir)) {
      all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temporary directory; the OS cleans it eventually
    }
  }

  /** Writes the node's log to {@code file} (e.g. under target/, to outlive a temporary data directory). */
  public DaemonProcess logTo(Path file) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
    } catch (IOException e) {
      throw new IllegalStateException("cannot create the directory of " + file, e);
    }
    log = file;
    return this;
  }

  /**
   * Kills the node with SIGKILL if it still runs, then starts it again on the same data directory
   * and the same ports where they are still free (a port taken meanwhile becomes any free one).
   */
  public DaemonProcess restart() {
    close();
    if (info != null) {
      args = new ArrayList<>(args);
      samePort("--iscsi-port", info.iscsiPort());
      samePort("--nbd-port", info.nbdPort());
      samePort("--admin-port", info.adminPort());
      samePort("--http-port", info.httpPort());
    }
    return start();
  }

  private void samePort(String flag, int port) {
    int at = args.indexOf(flag);
    if (at >= 0 && args.get(at + 1).equals("0") && free(port)) {
      args.set(at + 1, String.valueOf(port));
    }
  }

  private static boolean free(int port) {
    try (java.net.ServerSocket s = new java.net.ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new java.net.InetSocketAddress("127.0.0.1", port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The command line that runs {@code snipblock ARGS} in a JVM of its own, on the test's class path. */
  public static List<String> snipblockCommand(List<String> args) {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-XX:+UseSerialGC",
        "-cp", classPath(),
        Main.class.getName()));
    cmd.addAll(args);
    return cmd;
  }

  /** Starts the node and returns once it serves; fails with its log if it exits instead. */
  public DaemonProcess start() {
    CompletableFuture<Void> ready = launch();
    Process p = process;
    try {
      ready.get(START_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      p.destroyForcibly();
      throw new AssertionError("the node did not start: " + e.getMessage() + "\n" + log(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    if (dataDir != null) {
      info = NodeInfo.readFrom(dataDir).orElseThrow();
      assertThat(info.pid()).as("node.json of this process").isEqualTo(p.pid());
    }
    return this;
  }

  /** Starts the process and returns at once, for a node that may never serve (refused by its cluster). */
  public DaemonProcess launchWithoutWaiting() {
    launch();
    return this;
  }

  /**
   * Starts the node again on its data directory, as {@link #restart()} does, for a node that is to
   * end on its own (refused by its cluster): returns its exit status once it has ended and its
   * output is all in the log, whether or not it was ready meanwhile.
   */
  public int restartExpectingExit() {
    close();
    launch();
    return waitForExit();
  }

  private CompletableFuture<Void> launch() {
    List<String> cmd = snipblockCommand(args);
    CompletableFuture<Void> ready = new CompletableFuture<>();
    logDrained = new CompletableFuture<>();
    try {
      process = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true).start();
      process.getOutputStream().close();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + cmd, e);
    }
    Process p = process;
    Thread pump = new Thread(() -> pumpLog(p, ready), "daemon-log-" + p.pid());
    pump.setDaemon(true);
    pump.start();
    return ready;
  }

  private void pumpLog(Process p, CompletableFuture<Void> ready) {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        Files.writeString(log, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        if (line.contains(readyLine)) {
          ready.complete(null);
        }
      }
    } catch (IOException e) {
      ready.completeExceptionally(e);
    }
    ready.completeExceptionally(new IllegalStateException("the node exited"));
    logDrained.complete(null);
  }

  public NodeInfo info() {
    return info;
  }

  public Process process() {
    return process;
  }

  public String nbdUrl(String volume) {
    return "nbd://127.0.0.1:" + info.nbdPort() + "/" + volume;
  }

  public String iscsiUrl(String volume) {
    return "iscsi://127.0.0.1:" + info.iscsiPort() + "/iqn.2026-11.org.snipblock:" + volume + "/0";
  }

  /** Runs the operator CLI in this JVM against the node; returns stdout, failing on a non-zero exit. */
  public String cli(String... args) {
    return cliWithProgress(args).out();
  }

  /** What one CLI run printed: its result on stdout, its progress (or error) on stderr. */
  public record CliRun(String out, String err) {}

  /**
   * Runs the operator CLI in this JVM against the node as {@link #cli} does, keeping stderr too:
   * where a long command's progress goes (plain lines, its stderr being no terminal, or JSON lines
   * with --json).
   */
  public CliRun cliWithProgress(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--admin");
    all.add(info.adminAddress());
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = Main.run(all.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
    assertThat(status).as("snipblock %s: %s%nnode log:%n%s", String.join(" ", all), err, log()).isZero();
    return new CliRun(out.toString(), err.toString());
  }

  /** Runs the operator CLI against the node, expecting it to fail with an operator error; returns stderr. */
  public String cliError(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--admin");
    all.add(info.adminAddress());
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = Main.run(all.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
    assertThat(status).as("snipblock %s refused: %s", String.join(" ", all), out).isEqualTo(Main.EXIT_FAILURE);
    return err.toString();
  }

  /** Runs the operator CLI against the node; stdout if it succeeded, empty if it failed (for polling). */
  public java.util.Optional<String> cliIfOk(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--admin");
    all.add(info.adminAddress());
    StringWriter out = new StringWriter();
    int status = Main.run(all.toArray(String[]::new), new PrintWriter(out), new PrintWriter(new StringWriter()));
    return status == 0 ? java.util.Optional.of(out.toString()) : java.util.Optional.empty();
  }

  /**
   * SIGKILL: the process gets no chance to flush or close anything. Sent through the process
   * handle, because {@link Process#destroyForcibly()} also closes our end of its output.
   */
  public void kill9() {
    process.toHandle().destroyForcibly();
    waitForExit();
  }

  /** SIGSTOP: the process stays, frozen (a stalled host, a long GC pause), until {@link #resume()}. */
  public void pause() {
    signal("-STOP");
  }

  /** SIGCONT after {@link #pause()}. */
  public void resume() {
    signal("-CONT");
  }

  private void signal(String which) {
    Tools.run(30, "kill", which, String.valueOf(process.pid())).ok();
  }

  /** SIGTERM: the graceful shutdown, whose log we still want to read. Returns the exit status. */
  public int terminate() {
    process.toHandle().destroy();
    return waitForExit();
  }

  private int waitForExit() {
    try {
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("node exited within 60 s\n%s", log()).isTrue();
      logDrained.get(30, TimeUnit.SECONDS);
      return process.exitValue();
    } catch (ExecutionException | TimeoutException e) {
      throw new AssertionError("the node's output did not end", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public String log() {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  @Override
  public void close() {
    if (process != null && process.isAlive()) {
      kill9();
    }
  }
}
