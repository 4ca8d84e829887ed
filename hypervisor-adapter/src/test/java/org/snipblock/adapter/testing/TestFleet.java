package org.snipblock.adapter.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snipblock.node.cli.Main;
import org.snipblock.node.testing.DaemonProcess;
import org.snipblock.node.testing.ProcessCluster;

/**
 * A storage cluster of one node (records need the raft metadata; one member is a majority), or of
 * nodes in sites ({@link #startSites}), and host agents, each its own JVM; the operator CLI runs in
 * this JVM against the nodes' admin APIs. A host agent asks the nodes of its own site first (its
 * QEMUs use the first as their door).
 */
public final class TestFleet implements AutoCloseable {
  private static final String NODE_CONFIG = """
      cluster:
        defaults:
          copies: 1
          min-copies: 1
      """;

  private final Path dir;
  private final Path logs;
  private final DaemonProcess node;
  /** Every storage node by its location; {@code node} is the first. */
  private final Map<String, DaemonProcess> nodes = new LinkedHashMap<>();
  private final AutoCloseable storage;
  private final Map<String, DaemonProcess> hosts = new LinkedHashMap<>();

  private TestFleet(Path dir, Path logs, Map<String, DaemonProcess> nodes, AutoCloseable storage) {
    this.dir = dir;
    this.logs = logs;
    this.nodes.putAll(nodes);
    this.node = nodes.values().iterator().next();
    this.storage = storage;
  }

  /** A cluster of one storage node per location (sites from the locations), configured by {@code nodeConfig}. */
  public static TestFleet startSites(Path dir, Path logs, String nodeConfig, List<String> locations) throws IOException {
    Files.createDirectories(logs);
    ProcessCluster cluster = ProcessCluster.start(Files.createDirectories(dir.resolve("storage")), logs, nodeConfig,
        locations);
    Map<String, DaemonProcess> byLocation = new LinkedHashMap<>();
    for (int i = 0; i < locations.size(); i++) {
      byLocation.put(locations.get(i), cluster.nodes().get(i));
    }
    return new TestFleet(dir, logs, byLocation, cluster);
  }

  /** The admin addresses of the storage nodes, those in {@code site} first. */
  private String admin(String site) {
    List<String> near = new ArrayList<>();
    List<String> far = new ArrayList<>();
    nodes.forEach((location, n) -> (location.split("/")[0].equals(site) ? near : far).add(n.info().adminAddress()));
    near.addAll(far);
    return String.join(",", near);
  }

  public static TestFleet start(Path dir, Path logs) throws IOException {
    Files.createDirectories(logs);
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Path config = Files.writeString(dir.resolve("node.yaml"), NODE_CONFIG);
    DaemonProcess node = DaemonProcess.serve(dir.resolve("n1"), "--node-id", "n1", "--location", "eu1/c1/r1/n1",
        "--cluster-port", String.valueOf(port), "--join", "127.0.0.1:" + port, "--config", config.toString())
        .logTo(logs.resolve("n1.log")).start();
    return new TestFleet(dir, logs, Map.of("eu1/c1/r1/n1", node), node);
  }

  public DaemonProcess node() {
    return node;
  }

  /** The storage node at {@code location} (of {@link #startSites}). */
  public DaemonProcess node(String location) {
    return nodes.get(location);
  }

  /** Starts {@code host serve} for host {@code id}; returns once it has registered. */
  public DaemonProcess host(String id, String location, int cpus, String memory, String... extra) {
    Path work = dir.resolve(id);
    try {
      Files.createDirectories(work);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> args = new ArrayList<>(List.of("host", "serve", "--host-id", id, "--location", location,
        "--cpus", String.valueOf(cpus), "--memory", memory, "--admin", admin(location.split("/")[0]),
        "--data", work.resolve("data").toString(), "--accel", "tcg"));
    args.addAll(List.of(extra));
    DaemonProcess p = DaemonProcess.command(work, "host " + id + " ready", args.toArray(String[]::new))
        .logTo(logs.resolve(id + ".log")).start();
    hosts.put(id, p);
    return p;
  }

  public DaemonProcess hostProcess(String id) {
    return hosts.get(id);
  }

  /** The console log of {@code vm} as its host agent on {@code host} writes it. */
  public String console(String host, String vm) {
    Path log = dir.resolve(host).resolve("data/vms").resolve(vm).resolve("console.log");
    try {
      // the serial line ends lines with CR LF
      return Files.exists(log) ? Files.readString(log).replace("\r", "") : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public record Result(int status, String out, String err) {}

  public Result run(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--admin");
    all.add(admin(""));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = Main.run(all.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
    return new Result(status, out.toString(), err.toString());
  }

  /** Runs the CLI; returns stdout, failing on a non-zero exit. */
  public String cli(String... args) {
    Result r = run(args);
    assertThat(r.status()).as("snipblock %s:%n%s%s", String.join(" ", args), r.out(), r.err()).isZero();
    return r.out();
  }

  /**
   * Runs the CLI expecting an operator error; returns stderr without the progress lines a command
   * following a task writes there too (plain lines, stderr not being a terminal).
   */
  public String cliError(String... args) {
    Result r = run(args);
    assertThat(r.status()).as("snipblock %s refused:%n%s%s", String.join(" ", args), r.out(), r.err())
        .isEqualTo(Main.EXIT_FAILURE);
    return r.err().lines().filter(l -> !l.matches("\\S+ \\S+: \\d+% \\d+/\\d+ steps.*"))
        .map(l -> l + "\n").collect(java.util.stream.Collectors.joining());
  }

  public Optional<String> cliIfOk(String... args) {
    Result r = run(args);
    return r.status() == 0 ? Optional.of(r.out()) : Optional.empty();
  }

  public String logs() {
    StringBuilder s = new StringBuilder("node:\n").append(node.log());
    hosts.forEach((id, p) -> s.append("\nhost ").append(id).append(":\n").append(p.log()));
    return s.toString();
  }

  /** Copies every console log next to the process logs, to read after a failure. */
  private void keepConsoles() {
    for (String host : hosts.keySet()) {
      Path vms = dir.resolve(host).resolve("data/vms");
      if (!Files.isDirectory(vms)) {
        continue;
      }
      try (var all = Files.list(vms)) {
        for (Path vm : (Iterable<Path>) all::iterator) {
          Path console = vm.resolve("console.log");
          if (Files.exists(console)) {
            Files.copy(console, logs.resolve(host + "-" + vm.getFileName() + ".console"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
          }
        }
      } catch (IOException e) {
        // only for reading after a failure
      }
    }
  }

  /** SIGKILL to a host agent and every QEMU it started. */
  public void killHost(String id) {
    DaemonProcess p = hosts.get(id);
    List<ProcessHandle> qemus = p.process().toHandle().descendants().toList();
    p.kill9();
    qemus.forEach(ProcessHandle::destroyForcibly);
  }

  @Override
  public void close() {
    keepConsoles();
    for (DaemonProcess p : hosts.values()) {
      // QEMUs outlive a killed agent (which is the point of fencing): end them too
      List<ProcessHandle> qemus = p.process().isAlive() ? p.process().toHandle().descendants().toList() : List.of();
      p.close();
      qemus.forEach(ProcessHandle::destroyForcibly);
    }
    try {
      storage.close();
    } catch (Exception e) {
      throw new IllegalStateException("stopping the storage nodes", e);
    }
  }
}
