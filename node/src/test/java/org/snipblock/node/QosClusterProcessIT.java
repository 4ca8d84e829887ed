package org.snipblock.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.snipblock.node.testing.ClusterWatch.awaitInSync;
import static org.snipblock.node.testing.ClusterWatch.show;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snipblock.node.testing.DaemonProcess;
import org.snipblock.node.testing.Fio;
import org.snipblock.node.testing.Poll;
import org.snipblock.node.testing.ProcessCluster;
import org.snipblock.node.testing.ProcessClusters;
import org.snipblock.node.testing.Tools;

/**
 * QoS on three daemons: the primary's throttle counts every request once, whether it came through
 * the primary's own door or was forwarded by another node's; the limits live in the volume's
 * metadata record, so the new primary after a SIGKILL enforces them, and a change made through any
 * node applies at the primary at once.
 */
class QosClusterProcessIT {
  private static final Logger log = LoggerFactory.getLogger(QosClusterProcessIT.class);
  private static final Duration SETTLE = Duration.ofSeconds(90);

  @TempDir Path tmp;
  @RegisterExtension final ProcessClusters clusters = new ProcessClusters();
  private ProcessCluster cluster;

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void theLimitHoldsAcrossDoorsAndThroughAFailover() throws IOException {
    Tools.require("fio", "qemu-img");
    cluster = clusters.start("""
        cluster:
          replication:
            failover-delay: 2s
        """);
    DaemonProcess n1 = cluster.node("n1");
    JsonNode created = ProcessCluster.json(n1.cli("volume", "create", "lim", "--size", "64M", "--copies", "3",
        "--min-copies", "2", "--mode", "sync", "--json"));
    String primaryId = created.get("primary").asText();
    DaemonProcess primary = cluster.node(primaryId);
    List<DaemonProcess> others = cluster.nodes().stream().filter(n -> n != primary).toList();
    DaemonProcess door = others.get(0);
    awaitInSync(n1, "lim");

    // Unmeasured warm-up at full speed through both doors (the JVMs' first seconds are slow), then the limit, live.
    Fio warmPrimary = Fio.start(primary.nbdUrl("lim"), "randwrite", 4, 8, tmp.resolve("warm1.json"));
    Fio.iops(door.nbdUrl("lim"), "randwrite", 4, 8, tmp.resolve("warm2.json"));
    warmPrimary.iops();
    door.cli("volume", "set", "lim", "--qos", "iops-total=100");
    // One budget for both doors: the primary's own and a door that forwards to it.
    Fio viaPrimary = Fio.start(primary.nbdUrl("lim"), "randwrite", 4, 10, tmp.resolve("primary.json"));
    double forwarded = Fio.iops(door.nbdUrl("lim"), "randwrite", 4, 10, tmp.resolve("door.json"));
    double local = viaPrimary.iops();
    log.info("iops-total=100 on a 3-copy sync volume: {} IOPS through the primary's door + {} forwarded = {}",
        local, forwarded, local + forwarded);
    // Counted twice (at the door and at the primary), the forwarded share would halve the sum.
    assertThat(local + forwarded).as("both doors together, limit 100").isBetween(70.0, 130.0);
    assertThat(forwarded).as("the forwarded share is served, not starved").isGreaterThan(20.0);

    JsonNode atPrimary = show(primary, "lim").orElseThrow();
    assertThat(atPrimary.at("/qos/stateKnown").asBoolean()).isTrue();
    assertThat(atPrimary.at("/qos/delayed").asLong()).isPositive();
    JsonNode elsewhere = show(door, "lim").orElseThrow();
    assertThat(elsewhere.at("/qos/limits").asText()).isEqualTo("iops-total=100");
    assertThat(elsewhere.at("/qos/stateKnown").asBoolean()).isFalse();
    assertThat(elsewhere.at("/qos/primary").asText()).isEqualTo(primaryId);

    // Failover: the new primary reads the limits from the metadata record.
    long epoch = created.get("epoch").asLong();
    primary.kill9();
    JsonNode failedOver = Poll.until("a new primary of lim", SETTLE, () -> show(door, "lim")
        .filter(v -> !v.get("primary").asText().equals(primaryId) && v.get("epoch").asLong() > epoch));
    Poll.until("the door serving lim again", SETTLE, () -> Optional.of(
        Tools.run(30, "qemu-img", "info", "-f", "raw", door.nbdUrl("lim"))).filter(r -> r.exit() == 0));
    double afterFailover = Fio.iops(door.nbdUrl("lim"), "randwrite", 8, 10, tmp.resolve("failover.json"));
    log.info("after the failover to {}: {} IOPS", failedOver.get("primary").asText(), afterFailover);
    assertThat(afterFailover).as("limit 100 at the new primary").isBetween(50.0, 130.0);

    // A live change through whichever node: the primary applies it at once.
    DaemonProcess newPrimary = cluster.node(failedOver.get("primary").asText());
    DaemonProcess notPrimary = others.stream().filter(n -> n != newPrimary).findFirst().orElseThrow();
    notPrimary.cli("volume", "set", "lim", "--qos", "iops-write=60");
    double lowered = Fio.iops(notPrimary.nbdUrl("lim"), "randwrite", 8, 10, tmp.resolve("lowered.json"));
    log.info("iops-write=60 set through {}: {} IOPS", notPrimary.info().nodeId(), lowered);
    assertThat(lowered).as("the lowered limit").isBetween(30.0, 80.0);
    assertThat(show(newPrimary, "lim").orElseThrow().at("/qos/limits").asText()).isEqualTo("iops-write=60");
  }
}
