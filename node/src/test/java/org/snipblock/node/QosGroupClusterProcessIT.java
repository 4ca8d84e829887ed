package org.snipblock.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.snipblock.node.testing.ClusterWatch.awaitInSync;
import static org.snipblock.node.testing.ClusterWatch.show;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
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
 * A QoS group on three daemons whose two members have their primaries on different nodes: fio over
 * NBD at each primary's door at full speed, and the two together stay near the group's budget (each
 * node throttles the group at its share), where each node alone would let the whole budget through.
 */
class QosGroupClusterProcessIT {
  private static final Logger log = LoggerFactory.getLogger(QosGroupClusterProcessIT.class);
  private static final Duration SETTLE = Duration.ofSeconds(90);

  @TempDir Path tmp;
  @RegisterExtension final ProcessClusters clusters = new ProcessClusters();

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void aGroupSpreadOverTwoPrimariesHoldsItsBudget() throws IOException {
    Tools.require("fio");
    ProcessCluster cluster = clusters.start("""
        cluster:
          replication:
            failover-delay: 2s
        """);
    DaemonProcess n1 = cluster.node("n1");
    for (String v : new String[] {"g1", "g2"}) {
      // a copy on every node, so either member's primary may move to any other
      n1.cli("volume", "create", v, "--size", "64M", "--copies", "3", "--min-copies", "2", "--mode", "sync");
      awaitInSync(n1, v);
    }
    String p1 = show(n1, "g1").orElseThrow().get("primary").asText();
    String p2 = show(n1, "g2").orElseThrow().get("primary").asText();
    if (p1.equals(p2)) {
      String to = cluster.nodes().stream().map(d -> d.info().nodeId()).filter(n -> !n.equals(p1)).findFirst()
          .orElseThrow();
      cluster.node(p2).cli("volume", "move-primary", "g2", "--to", to);
      Poll.until("g2's primary moved to " + to, SETTLE, () -> show(n1, "g2")
          .filter(s -> s.get("primary").asText().equals(to)));
    }
    DaemonProcess primary1 = cluster.node(show(n1, "g1").orElseThrow().get("primary").asText());
    DaemonProcess primary2 = cluster.node(show(n1, "g2").orElseThrow().get("primary").asText());
    assertThat(primary1).isNotSameAs(primary2);

    n1.cli("volume", "set", "g1", "--qos", "iops-total=200", "--qos-group", "vm1");
    n1.cli("volume", "set", "g2", "--qos-group", "vm1");
    Poll.until("the group on g2's primary", SETTLE, () -> show(primary2, "g2")
        .filter(s -> s.at("/qos/limits").asText().equals("iops-total=200")));

    // Unmeasured warm-up (the JVMs' first seconds are slow, and the shares settle in a window or two).
    Fio warm = Fio.start(primary1.nbdUrl("g1"), "randwrite", 4, 6, tmp.resolve("warm1.json"));
    Fio.iops(primary2.nbdUrl("g2"), "randwrite", 4, 6, tmp.resolve("warm2.json"));
    warm.iops();
    Fio first = Fio.start(primary1.nbdUrl("g1"), "randwrite", 4, 10, tmp.resolve("g1.json"));
    double second = Fio.iops(primary2.nbdUrl("g2"), "randwrite", 4, 10, tmp.resolve("g2.json"));
    double one = first.iops();
    log.info("group vm1 at iops-total=200, primaries {} and {}: g1 {} + g2 {} = {} IOPS",
        primary1.info().nodeId(), primary2.info().nodeId(), one, second, one + second);
    // Each node with the whole budget would let about 400 through.
    assertThat(one + second).as("both members together, group budget 200").isBetween(100.0, 280.0);
    assertThat(Math.min(one, second)).as("neither member starved").isGreaterThan(30.0);
  }
}
