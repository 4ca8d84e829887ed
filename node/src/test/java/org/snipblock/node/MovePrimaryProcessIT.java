package org.snipblock.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.snipblock.node.testing.ClusterWatch.awaitInSync;
import static org.snipblock.node.testing.ClusterWatch.show;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.snipblock.node.testing.DaemonProcess;
import org.snipblock.node.testing.Fio;
import org.snipblock.node.testing.Poll;
import org.snipblock.node.testing.ProcessCluster;
import org.snipblock.node.testing.ProcessClusters;
import org.snipblock.node.testing.Tools;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code volume move-primary} between three daemons, each its own JVM on 127.0.0.1: fio writes with
 * verification through the NBD door of the node that is neither the old nor the new primary while
 * the primary moves; fio sees no failed request and reads back every block it wrote; the old
 * primary stays an in-sync copy; refusals leave everything as it was.
 */
class MovePrimaryProcessIT {
  private static final Logger log = LoggerFactory.getLogger(MovePrimaryProcessIT.class);
  private static final Duration SETTLE = Duration.ofSeconds(60);

  @RegisterExtension final ProcessClusters clusters = new ProcessClusters();
  private ProcessCluster cluster;

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void thePrimaryMovesUnderAVerifiedFioLoadWithoutAFailedRequest() throws IOException {
    Tools.require("fio");
    cluster = clusters.start("""
        cluster:
          replication:
            failover-delay: 2s
        """);
    DaemonProcess n1 = cluster.node("n1");
    JsonNode created = ProcessCluster.json(n1.cli("volume", "create", "mv", "--size", "32M", "--copies", "3",
        "--min-copies", "2", "--mode", "sync", "--json"));
    DaemonProcess primary = cluster.node(created.get("primary").asText());
    List<DaemonProcess> others = cluster.nodes().stream().filter(n -> n != primary).toList();
    DaemonProcess target = others.get(0);
    DaemonProcess door = others.get(1);
    String to = target.info().nodeId();
    awaitInSync(n1, "mv");

    assertThat(door.cliError("volume", "move-primary", "mv", "--to", to))
        .contains("is not the primary of mv; ask its primary " + primary.info().nodeId());
    assertThat(primary.cliError("volume", "move-primary", "mv", "--to", "n9"))
        .contains("no node named n9 in the cluster");
    assertThat(primary.cliError("volume", "move-primary", "mv", "--to", primary.info().nodeId()))
        .contains("already is the primary of mv");
    assertThat(show(n1, "mv").orElseThrow().get("epoch").asLong()).isEqualTo(created.get("epoch").asLong());

    long writesBefore = show(door, "mv").orElseThrow().get("io").get("writes").asLong();
    Process load = fio(door.nbdUrl("mv"));
    String moved;
    try {
      Poll.until("the write load running", SETTLE, () -> show(door, "mv")
          .filter(v -> v.get("io").get("writes").asLong() > writesBefore + 16));
      moved = primary.cli("volume", "move-primary", "mv", "--to", to);
      assertThat(load.isAlive()).as("the move happened under load (fio still writing)").isTrue();
      assertThat(Tools.waitFor(load, 90)).as("fio saw no failed request and verified every block; see %s",
          clusters.logs().resolve("fio.log")).isZero();
    } finally {
      load.destroyForcibly();
    }
    log.info("move-primary answered: {}", moved.strip());
    assertThat(moved).matches("volume mv: primary " + primary.info().nodeId() + " -> " + to
        + " at epoch 2, writes paused [0-9.]+ ms\\s*");
    // With --do_verify fio's read phase is the verification: it read all 32 MiB back and found no mismatch.
    assertThat(Files.readString(clusters.logs().resolve("fio.log"))).contains("err= 0").contains("read: IOPS");

    JsonNode after = show(target, "mv").orElseThrow();
    assertThat(after.get("primary").asText()).isEqualTo(to);
    assertThat(after.get("epoch").asLong()).isEqualTo(2);
    assertThat(after.get("stale")).as("the drained old primary stays in sync").isEmpty();
    JsonNode verified = ProcessCluster.json(target.cli("volume", "verify", "mv", "--json"));
    assertThat(verified.get("clean").asBoolean()).as("%s", verified).isTrue();
    assertThat(verified.get("copies")).hasSize(3);
  }

  /** Random writes of the whole volume at a bounded rate (about 4 s), then a read of every block checking its CRC. */
  private Process fio(String nbdUrl) throws IOException {
    return Fio.background("handover", nbdUrl, clusters.logs().resolve("fio.log"), "--rw=randwrite",
        "--bs=64k", "--iodepth=4", "--size=32M", "--rate=8m", "--verify=crc32c", "--do_verify=1",
        "--verify_fatal=1");
  }
}
