package org.snipblock.node.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a process IT watches the way an operator does, through one node's CLI ({@code volume show
 * --json}, {@code cluster status --json}) and its doors, waiting with {@link Poll} for what the
 * cluster reaches on its own schedule.
 */
public final class ClusterWatch {
  private static final Duration SETTLE = Duration.ofSeconds(60);
  private static final Duration IN_SYNC = Duration.ofSeconds(90);

  private ClusterWatch() {}

  /** {@code volume show --json} through {@code via}; empty while the node cannot answer (for polling). */
  public static Optional<JsonNode> show(DaemonProcess via, String volume) {
    return via.cliIfOk("volume", "show", volume, "--json").map(ProcessCluster::json);
  }

  /** {@code cluster status --json} through {@code via}; empty while the node cannot answer. */
  public static Optional<JsonNode> status(DaemonProcess via) {
    return via.cliIfOk("cluster", "status", "--json").map(ProcessCluster::json);
  }

  /** Every copy caught up: none stale, none unreachable. */
  public static JsonNode awaitInSync(DaemonProcess via, String volume) {
    return Poll.until("all copies of " + volume + " in sync", IN_SYNC, () -> show(via, volume)
        .filter(v -> missing(v).isEmpty()));
  }

  /** The metadata names a primary other than {@code old}, with a higher epoch. */
  public static JsonNode awaitNewPrimary(DaemonProcess via, String volume, String old, long epoch) {
    JsonNode v = Poll.until("a new primary of " + volume, SETTLE, () -> show(via, volume)
        .filter(s -> !s.get("primary").asText().equals(old) && s.get("epoch").asLong() > epoch));
    assertThat(v.get("primary").asText()).isIn("n1", "n2", "n3");
    return v;
  }

  /** The metadata names the new primary before its device takes I/O: wait until its door offers the volume. */
  public static void awaitServing(DaemonProcess door, String volume) {
    Poll.until(door.info().nodeId() + "'s NBD door serving " + volume, SETTLE, () -> Optional.of(
        Tools.run(30, "qemu-img", "info", "-f", "raw", door.nbdUrl(volume))).filter(r -> r.exit() == 0));
  }

  /** {@code cluster status} through {@code via} shows node {@code id} DOWN. */
  public static void awaitDown(DaemonProcess via, String id) {
    Poll.until("cluster status showing " + id + " DOWN", SETTLE, () -> status(via).filter(s -> {
      for (JsonNode n : s.get("nodes")) {
        if (n.get("id").asText().equals(id)) {
          return n.get("state").asText().equals("DOWN");
        }
      }
      return false;
    }));
  }

  /** Holders on record as missing writes: stale or unreachable. */
  public static List<String> missing(JsonNode volume) {
    List<String> ids = new ArrayList<>();
    volume.get("stale").forEach(n -> ids.add(n.asText()));
    volume.get("unreachable").forEach(n -> ids.add(n.asText()));
    return ids;
  }

  /** The resync (not a scrub or verify) the primary runs or ran for {@code node}. */
  public static Optional<JsonNode> resync(JsonNode volume, String node) {
    for (JsonNode r : volume.get("resyncs")) {
      if (r.get("node").asText().equals(node) && r.get("purpose").asText().equals("resync")) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }
}
