package org.snipblock.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.node.testing.DaemonProcess;
import org.snipblock.node.testing.Poll;
import org.snipblock.node.testing.Tools;

/**
 * Three daemons in three compartments, each its own JVM on 127.0.0.1, driven only by the CLI and
 * real NBD clients: a three-copy sync volume written through the primary's NBD door survives
 * kill -9 of that primary, and reads back bit-identical through the node that took over.
 */
class ClusterProcessIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MIB = 1 << 20;
  private static final Duration SETTLE = Duration.ofSeconds(60);

  @TempDir Path tmp;
  private final List<DaemonProcess> nodes = new ArrayList<>();

  @AfterEach
  void stopAll() {
    nodes.forEach(DaemonProcess::close);
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void aSyncVolumeSurvivesKill9OfItsPrimaryBitIdentical() throws IOException {
    Tools.require("qemu-img", "qemu-io");
    Path image = Tools.randomImage(tmp.resolve("random.img"), 48 * MIB, 5);
    List<Integer> ports = freePorts(3);
    String join = ports.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    for (int i = 0; i < 3; i++) {
      nodes.add(DaemonProcess.serve(tmp.resolve("n" + (i + 1)), "--node-id", "n" + (i + 1),
          "--location", "site1/c" + (i + 1) + "/r1/h" + (i + 1), "--cluster-port", String.valueOf(ports.get(i)),
          "--join", join).start());
    }
    DaemonProcess first = nodes.get(0);
    JsonNode status = Poll.until("three nodes UP", SETTLE, () -> first.cliIfOk("cluster", "status", "--json")
        .map(ClusterProcessIT::json).filter(s -> upNodes(s) == 3));
    assertThat(status.get("nodes")).extracting(n -> n.get("location").asText())
        .containsExactlyInAnyOrder("site1/c1/r1/h1", "site1/c2/r1/h2", "site1/c3/r1/h3");
    assertThat(first.cli("cluster", "status")).contains("n1", "n2", "n3", "round trips");

    JsonNode created = json(first.cli("volume", "create", "img", "--size", "48M", "--copies", "3",
        "--min-copies", "2", "--spread", "compartment", "--mode", "sync", "--json"));
    assertThat(created.get("primary").asText()).as("the creating node is primary").isEqualTo("n1");
    assertThat(created.get("snippetReplicas").get(0)).hasSize(3);
    long epoch = created.get("epoch").asLong();
    // Every copy must have caught up with the (empty) volume before it counts for the writes.
    Poll.until("all copies in sync", SETTLE, () -> first.cliIfOk("volume", "show", "img", "--json")
        .map(ClusterProcessIT::json).filter(v -> v.get("stale").isEmpty() && v.get("unreachable").isEmpty()));

    Tools.run(120, "qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", image.toString(), first.nbdUrl("img")).ok();
    Tools.run(60, "qemu-io", "-f", "raw", "-c", "flush", first.nbdUrl("img")).ok();
    first.kill9();

    DaemonProcess survivor = nodes.get(1);
    JsonNode failedOver = Poll.until("a new primary", SETTLE, () -> survivor.cliIfOk("volume", "show", "img", "--json")
        .map(ClusterProcessIT::json).filter(v -> !v.get("primary").asText().equals("n1")
            && v.get("epoch").asLong() > epoch));
    Map<String, DaemonProcess> byId = Map.of("n2", nodes.get(1), "n3", nodes.get(2));
    DaemonProcess primary = byId.get(failedOver.get("primary").asText());
    assertThat(primary).as("new primary %s is a survivor", failedOver.get("primary")).isNotNull();
    // The metadata names the new primary before its device takes I/O: wait until its door offers the volume.
    Poll.until("the new primary's NBD door serves img", SETTLE, () -> Optional.of(
        Tools.run(30, "qemu-img", "info", "-f", "raw", primary.nbdUrl("img"))).filter(r -> r.exit() == 0));
    assertThat(Tools.run(120, "qemu-img", "compare", "-f", "raw", "-F", "raw", image.toString(),
        primary.nbdUrl("img")).ok().output()).contains("Images are identical");
    assertThat(json(primary.cli("cluster", "status", "--json")).get("nodes"))
        .filteredOn(n -> n.get("id").asText().equals("n1")).extracting(n -> n.get("state").asText())
        .containsExactly("DOWN");
  }

  private static long upNodes(JsonNode status) {
    long up = 0;
    for (JsonNode n : status.get("nodes")) {
      up += n.get("state").asText().equals("UP") ? 1 : 0;
    }
    return up;
  }

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Ports free a moment ago: cluster ports must be known to every node before any starts. */
  private static List<Integer> freePorts(int count) throws IOException {
    List<ServerSocket> held = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        held.add(new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1")));
      }
      return held.stream().map(ServerSocket::getLocalPort).toList();
    } finally {
      for (ServerSocket s : held) {
        s.close();
      }
    }
  }
}
