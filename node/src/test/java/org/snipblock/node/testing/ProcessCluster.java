package org.snipblock.node.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Three (or N) daemons n1..nN (by default in compartments c1..cN of one site), each its own JVM on
 * 127.0.0.1, forming one cluster; started and watched the way an operator does ({@code cluster status --json}).
 * A test method gets one through {@link ProcessClusters}, which stops it after the method.
 */
public final class ProcessCluster implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration SETTLE = Duration.ofSeconds(60);

  private final List<DaemonProcess> nodes = new ArrayList<>();
  private final List<Integer> ports = new ArrayList<>();
  private Path config;
  private Path logs;

  private ProcessCluster() {}

  /**
   * Starts the three nodes with this config file and returns once all three are UP.
   *
   * @param logs where each node's log goes (nN.log)
   */
  public static ProcessCluster start(Path tmp, Path logs, String nodeConfig) throws IOException {
    return start(tmp, logs, nodeConfig, 3);
  }

  /** As {@link #start(Path, Path, String)} with {@code count} nodes n1..nN in compartments c1..cN of site1. */
  public static ProcessCluster start(Path tmp, Path logs, String nodeConfig, int count) throws IOException {
    return start(tmp, logs, nodeConfig, java.util.stream.IntStream.rangeClosed(1, count)
        .mapToObj(n -> "site1/c" + n + "/r1/h" + n).toList());
  }

  /** As {@link #start(Path, Path, String)} with n1..nN at these locations (two sites, say). */
  public static ProcessCluster start(Path tmp, Path logs, String nodeConfig, List<String> locations)
      throws IOException {
    ProcessCluster c = new ProcessCluster();
    try {
      c.startNodes(tmp, logs, nodeConfig, locations);
    } catch (RuntimeException | Error e) {
      c.close();
      throw e;
    }
    return c;
  }

  private void startNodes(Path tmp, Path logs, String nodeConfig, List<String> locations) throws IOException {
    int count = locations.size();
    ports.addAll(freePorts(count));
    String join = ports.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    this.config = Files.writeString(tmp.resolve("node.yaml"), nodeConfig);
    this.logs = logs;
    for (int i = 1; i <= count; i++) {
      nodes.add(DaemonProcess.serve(tmp.resolve("n" + i), "--node-id", "n" + i,
          "--location", locations.get(i - 1), "--cluster-port", String.valueOf(ports.get(i - 1)),
          "--join", join, "--config", config.toString()).logTo(logs.resolve("n" + i + ".log")).start());
    }
    JsonNode status = Poll.until(count + " nodes UP", SETTLE, () -> nodes.get(0).cliIfOk("cluster", "status", "--json")
        .map(ProcessCluster::json).filter(s -> upNodes(s) == count));
    assertThat(status.get("nodes")).extracting(n -> n.get("location").asText())
        .containsExactlyInAnyOrderElementsOf(locations);
  }

  /**
   * Starts node nN+1 at this location, joining the running cluster at run time: its {@code --join}
   * names the nodes started so far (not itself), the same config file; returns once it serves.
   * {@code dataDir} is where its data goes (a fresh directory makes it a new member).
   */
  public DaemonProcess join(Path dataDir, String id, String location) throws IOException {
    String join = ports.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    int port = freePorts(1).get(0);
    DaemonProcess node = DaemonProcess.serve(dataDir, "--node-id", id, "--location", location,
        "--cluster-port", String.valueOf(port), "--join", join, "--config", config.toString())
        .logTo(logs.resolve(dataDir.getFileName() + ".log")).start();
    nodes.add(node);
    ports.add(port);
    return node;
  }

  /** n1, n2, ... (in the order started) */
  public DaemonProcess node(String id) {
    return nodes.get(Integer.parseInt(id.substring(1)) - 1);
  }

  public List<DaemonProcess> nodes() {
    return List.copyOf(nodes);
  }

  public static long upNodes(JsonNode status) {
    long up = 0;
    for (JsonNode n : status.get("nodes")) {
      up += n.get("state").asText().equals("UP") ? 1 : 0;
    }
    return up;
  }

  public static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Cluster ports must be known to every node before any starts, so they cannot be bound as port 0.
   * They are taken below the kernel's ephemeral range: there no port-0 bind or outgoing connection
   * (of these nodes or of any other test on the machine) can take one between choosing and binding.
   */
  public static List<Integer> freePorts(int count) throws IOException {
    // Read line by line: readString trusts the size /proc reports and returns a truncated value.
    int ephemeralLow = Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
        .get(0).trim().split("\\s+")[0]);
    java.util.Random random = new java.util.Random();
    List<Integer> ports = new ArrayList<>();
    for (int tries = 0; ports.size() < count && tries < 1000; tries++) {
      int port = Math.max(1024, ephemeralLow - 10000) + random.nextInt(Math.min(10000, ephemeralLow - 1024));
      try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
        if (!ports.contains(port)) {
          ports.add(port);
        }
      } catch (IOException taken) {
        // someone else's; try another
      }
    }
    assertThat(ports).as("free ports below the ephemeral range").hasSize(count);
    return ports;
  }

  @Override
  public void close() {
    nodes.forEach(DaemonProcess::close);
  }
}
