package org.snipblock.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.snipblock.node.testing.ClusterWatch.awaitInSync;
import static org.snipblock.node.testing.ClusterWatch.awaitNewPrimary;
import static org.snipblock.node.testing.ClusterWatch.awaitServing;
import static org.snipblock.node.testing.ClusterWatch.show;
import static org.snipblock.node.testing.ProcessCluster.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.node.testing.DaemonProcess;
import org.snipblock.node.testing.Fio;
import org.snipblock.node.testing.Poll;
import org.snipblock.node.testing.ProcessCluster;
import org.snipblock.node.testing.ProcessClusters;
import org.snipblock.node.testing.Tools;

/**
 * Snapshots of a three-copy sync volume across a failover, between three daemons each its own JVM
 * on 127.0.0.1 (see {@link ClusterProcessIT} for the failover itself): taken under load, taken and
 * deleted while a node is away, cloned and rolled back.
 */
class ClusterSnapshotProcessIT {
  private static final Duration SETTLE = Duration.ofSeconds(60);

  @RegisterExtension final ProcessClusters clusters = new ProcessClusters();
  @TempDir Path tmp;
  private ProcessCluster cluster;

  /**
   * Issue 11's cluster test: a snapshot taken under an fio write load through a door reads back
   * identical through the new primary after kill -9 of the old one; snapshots taken and deleted
   * while the killed node was away reach it when it returns (verify clean, snapshots included); a
   * clone of the snapshot is a volume of the cluster that reads it and keeps it in use.
   */
  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void aSnapshotUnderLoadSurvivesKill9OfThePrimaryAndTheReturningNodeGetsTheSnapshots() throws IOException {
    Tools.require("qemu-img", "qemu-io", "fio");
    startCluster(ClusterProcessIT.NODE_CONFIG);
    DaemonProcess n1 = cluster.node("n1");
    JsonNode created = json(n1.cli("volume", "create", "vm", "--size", "32M", "--copies", "3", "--min-copies", "2",
        "--mode", "sync", "--json"));
    awaitInSync(n1, "vm");
    DaemonProcess door = cluster.node("n2");
    long writesBefore = show(door, "vm").orElseThrow().get("io").get("writes").asLong();
    Process load = Fio.steadyWrites(door.nbdUrl("vm"), clusters.logs().resolve("fio.log"));
    Path s1 = tmp.resolve("s1.img");
    try {
      Poll.until("the write load running", SETTLE, () -> show(door, "vm")
          .filter(v -> v.get("io").get("writes").asLong() > writesBefore + 16));
      assertThat(n1.cli("volume", "snapshot", "vm", "s1")).contains("s1");
      Tools.run(120, "qemu-img", "convert", "-f", "raw", "-O", "raw", n1.nbdUrl("vm@s1"), s1.toString()).ok();
      assertThat(load.isAlive()).as("the snapshot was taken and read under load (fio still writing)").isTrue();
      n1.kill9();
      Tools.waitFor(load, 90);
    } finally {
      load.destroyForcibly();
    }

    JsonNode failedOver = awaitNewPrimary(door, "vm", "n1", created.get("epoch").asLong());
    DaemonProcess primary = cluster.node(failedOver.get("primary").asText());
    DaemonProcess other = primary == cluster.node("n2") ? cluster.node("n3") : cluster.node("n2");
    awaitServing(primary, "vm");
    for (DaemonProcess d : List.of(primary, other)) {
      assertThat(Tools.run(120, "qemu-img", "compare", "-f", "raw", "-F", "raw", s1.toString(),
          d.nbdUrl("vm@s1")).ok().output()).as("s1 through %s after the failover", d.info().nodeId())
          .contains("Images are identical");
    }

    // While n1 is away: a snapshot taken, data written, another taken, the first of those deleted.
    primary.cli("volume", "snapshot", "vm", "s2");
    Tools.run(120, "qemu-io", "-f", "raw", "-c", "write -P 0x6e 1M 3M", "-c", "flush", other.nbdUrl("vm")).ok();
    primary.cli("volume", "snapshot", "vm", "s3");
    primary.cli("volume", "snapshot-delete", "vm", "s2");
    Tools.run(120, "qemu-io", "-f", "raw", "-c", "write -P 0x7f 8M 1M", "-c", "flush", other.nbdUrl("vm")).ok();

    n1.restart();
    awaitInSync(primary, "vm");
    JsonNode verified = json(primary.cli("volume", "verify", "vm", "--json"));
    assertThat(verified.get("clean").asBoolean()).as("%s", verified).isTrue();
    assertThat(verified.get("copies")).hasSize(3).allSatisfy(c -> {
      assertThat(c.get("snapshotsCompared").asInt()).as("%s", c).isEqualTo(2);
      assertThat(c.get("snapshotsDiffering")).as("%s", c).isEmpty();
    });
    assertThat(n1.cli("volume", "snapshots", "vm")).contains("s1", "s3").doesNotContain("s2");
    assertThat(Tools.run(120, "qemu-img", "compare", "-f", "raw", "-F", "raw", s1.toString(),
        n1.nbdUrl("vm@s1")).ok().output()).as("s1 on the returned node").contains("Images are identical");
    assertThat(Tools.run(120, "qemu-img", "compare", "-f", "raw", "-F", "raw", primary.nbdUrl("vm@s3"),
        n1.nbdUrl("vm@s3")).ok().output()).as("s3, taken while n1 was away, on n1").contains("Images are identical");

    // A clone of s1 (a VM disk from a template snapshot): a cluster volume reading s1, keeping it in use.
    assertThat(n1.cliError("volume", "clone", "vm@s1", "disk1")).contains("its primary is " + primary.info().nodeId());
    primary.cli("volume", "clone", "vm@s1", "disk1");
    // The clone is on record once the asked node has it; n1's door knows it when n1 applied it too.
    awaitServing(n1, "disk1");
    assertThat(Tools.run(120, "qemu-img", "compare", "-f", "raw", "-F", "raw", s1.toString(),
        n1.nbdUrl("disk1")).ok().output()).as("the clone through n1's door").contains("Images are identical");
    Tools.run(120, "qemu-io", "-f", "raw", "-c", "write -P 0x11 0 1M", "-c", "flush", n1.nbdUrl("disk1")).ok();
    assertThat(Tools.run(120, "qemu-img", "compare", "-f", "raw", "-F", "raw", s1.toString(),
        other.nbdUrl("vm@s1")).ok().output()).as("the clone's writes stay its own").contains("Images are identical");
    assertThat(primary.cliError("volume", "snapshot-delete", "vm", "s1")).contains("used by clones disk1");

    // The clients above have disconnected: a rollback needs no --force, and every copy goes back to s3.
    primary.cli("volume", "rollback", "vm", "s3");
    assertThat(Tools.run(120, "qemu-img", "compare", "-f", "raw", "-F", "raw", primary.nbdUrl("vm@s3"),
        n1.nbdUrl("vm")).ok().output()).as("rolled back, through n1's door").contains("Images are identical");
    assertThat(json(primary.cli("volume", "verify", "vm", "--json")).get("clean").asBoolean()).isTrue();
  }

  /** Three nodes n1..n3 in compartments c1..c3 of one site, all UP. */
  private void startCluster(String nodeConfig) throws IOException {
    cluster = clusters.start(nodeConfig);
    assertThat(cluster.node("n1").cli("cluster", "status")).contains("n1", "n2", "n3", "round trips");
  }
}
