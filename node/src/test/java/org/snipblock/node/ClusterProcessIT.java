package org.snipblock.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.snipblock.node.testing.ClusterWatch.awaitDown;
import static org.snipblock.node.testing.ClusterWatch.awaitInSync;
import static org.snipblock.node.testing.ClusterWatch.awaitNewPrimary;
import static org.snipblock.node.testing.ClusterWatch.awaitServing;
import static org.snipblock.node.testing.ClusterWatch.missing;
import static org.snipblock.node.testing.ClusterWatch.resync;
import static org.snipblock.node.testing.ClusterWatch.show;
import static org.snipblock.node.testing.ProcessCluster.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
 * Three daemons in three compartments, each its own JVM on 127.0.0.1, driven only by the CLI and
 * real iSCSI/NBD clients, watched the way an operator watches them ({@code cluster status},
 * {@code volume show --json}): a primary is killed with SIGKILL, a survivor takes over with a higher
 * epoch, clients read back what the volume's mode promises, and the killed node comes back, is
 * resynced by delta and counts again. Node logs are kept under target/cluster-logs/. Snapshots
 * through a failover: {@link ClusterSnapshotProcessIT}; a lost copy rebuilt elsewhere:
 * {@link RereplicationProcessIT}.
 */
class ClusterProcessIT {
  private static final long MIB = 1 << 20;
  private static final Duration SETTLE = Duration.ofSeconds(60);
  /**
   * Slow enough that an operator (and these tests) can watch a resync run, fast enough for a test;
   * set through the config file's cluster section like any operator would.
   */
  static final String NODE_CONFIG = """
      cluster:
        replication:
          resync-rate: 4M
          failover-delay: 2s
      """;

  @RegisterExtension final ProcessClusters clusters = new ProcessClusters();
  @TempDir Path tmp;
  private ProcessCluster cluster;

  /**
   * Sync, three copies: an image written through an iSCSI door survives kill -9 of the primary
   * bit-identical; writes go on through a survivor; the killed node returns fenced, is resynced by
   * delta (progress shown while it runs) and the copies agree again.
   */
  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void aSyncVolumeSurvivesKill9OfItsPrimaryAndTheReturningNodeResyncsByDelta() throws IOException {
    Tools.require("qemu-img", "qemu-io");
    Tools.requireQemuIscsi();
    Path image = Tools.randomImage(tmp.resolve("random.img"), 48 * MIB, 5);
    startCluster(NODE_CONFIG);
    DaemonProcess n1 = cluster.node("n1");

    JsonNode created = json(n1.cli("volume", "create", "img", "--size", "48M", "--copies", "3",
        "--min-copies", "2", "--spread", "compartment", "--mode", "sync", "--json"));
    assertThat(created.get("primary").asText()).as("the creating node is primary").isEqualTo("n1");
    assertThat(created.get("snippetReplicas").get(0)).hasSize(3);
    long epoch = created.get("epoch").asLong();
    awaitInSync(n1, "img");

    // Through a door of a node that is not the primary: it forwards to n1.
    DaemonProcess door = cluster.node("n2");
    Tools.run(120, "qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", image.toString(), door.iscsiUrl("img")).ok();
    Tools.run(60, "qemu-io", "-f", "raw", "-c", "flush", door.iscsiUrl("img")).ok();
    // A snapshot is one op of the replication stream, taken through the primary; every copy takes it.
    assertThat(n1.cli("volume", "snapshot", "img", "s1")).contains("s1");
    assertThat(cluster.node("n3").cliError("volume", "snapshot", "img", "s2")).contains("its primary is n1");
    n1.kill9();

    JsonNode failedOver = awaitNewPrimary(cluster.node("n2"), "img", "n1", epoch);
    DaemonProcess primary = cluster.node(failedOver.get("primary").asText());
    DaemonProcess other = primary == cluster.node("n2") ? cluster.node("n3") : cluster.node("n2");
    awaitDown(primary, "n1");
    awaitDown(other, "n1");
    awaitServing(other, "img");
    assertThat(Tools.run(120, "qemu-img", "compare", "-f", "raw", "-F", "raw", image.toString(),
        other.nbdUrl("img")).ok().output()).as("read back through the node that did not take over")
        .contains("Images are identical");
    assertThat(Tools.run(120, "qemu-img", "compare", "-f", "raw", "-F", "raw", image.toString(),
        other.nbdUrl("img@s1")).ok().output()).as("the snapshot survives the primary's loss, on every copy")
        .contains("Images are identical");
    assertThat(other.cli("volume", "snapshots", "img")).contains("s1");
    primary.cli("volume", "snapshot-delete", "img", "s1");
    Poll.until("s1 deleted on the other copy", Duration.ofSeconds(30),
        () -> other.cliIfOk("volume", "snapshots", "img").filter(t -> t.contains("no snapshots")));

    // Writes go on without n1, through the other survivor's door: 8 MiB of a known pattern.
    Tools.run(120, "qemu-io", "-f", "raw", "-c", "write -P 0x5a 16M 8M", "-c", "flush", other.nbdUrl("img")).ok();
    Tools.fill(image, 16 * MIB, 8 * MIB, (byte) 0x5a);
    JsonNode without = show(primary, "img").orElseThrow();
    assertThat(missing(without)).as("n1 is on record as missing the writes made without it: %s", without)
        .contains("n1");

    n1.restart();
    List<JsonNode> running = new ArrayList<>();
    JsonNode caughtUp = Poll.until("n1 resynced", Duration.ofSeconds(90), () -> show(primary, "img").filter(v -> {
      resync(v, "n1").filter(r -> r.get("running").asBoolean()).ifPresent(r -> running.add(v));
      return missing(v).isEmpty() && resync(v, "n1").filter(r -> !r.get("running").asBoolean()).isPresent();
    }));
    assertThat(running).as("volume show reported the resync while it ran (throttled to 4 MiB/s)").isNotEmpty();
    assertThat(missing(running.get(0))).as("a copy being resynced is not counted yet").contains("n1");
    JsonNode resync = resync(caughtUp, "n1").orElseThrow();
    assertThat(resync.get("snippetsDone").asLong()).isEqualTo(resync.get("snippetsTotal").asLong());
    assertThat(resync.get("bytesCopied").asLong()).as("a delta, not a full copy: %s", resync)
        .isBetween(8 * MIB, 47 * MIB);
    assertThat(caughtUp.get("primary").asText()).as("n1 came back as a replica").isNotEqualTo("n1");
    assertThat(caughtUp.get("epoch").asLong()).isGreaterThan(epoch);
    assertThat(json(primary.cli("cluster", "status", "--json")).get("nodes"))
        .extracting(n -> n.get("state").asText()).containsOnly("UP");
    assertThat(Tools.run(120, "qemu-img", "compare", "-f", "raw", "-F", "raw", image.toString(),
        n1.nbdUrl("img")).ok().output()).as("through the returned node's door").contains("Images are identical");

    // The three copies agree, chunk digest by chunk digest; only the primary can compare them.
    JsonNode verified = json(primary.cli("volume", "verify", "img", "--json"));
    assertThat(verified.get("clean").asBoolean()).as("%s", verified).isTrue();
    assertThat(verified.get("copies")).extracting(c -> c.get("node").asText())
        .containsExactlyInAnyOrder("n1", "n2", "n3");
    assertThat(verified.get("copies")).allSatisfy(c -> {
      assertThat(c.get("stale").asBoolean()).isFalse();
      assertThat(c.get("snippetsCompared").asLong()).isPositive();
      assertThat(c.get("chunksDiffering").asLong()).isZero();
      assertThat(c.get("chunksBadChecksum").asLong()).isZero();
    });
    assertThat(primary.cli("volume", "verify", "img")).contains("all copies agree");
    assertThat(n1.cliError("volume", "verify", "img").strip()).as("a replica refuses and names the primary")
        .isEqualTo("snipblock: node n1 is not the primary of img; its primary is " + primary.info().nodeId()
            + " (epoch " + verified.get("epoch").asLong() + ")");
  }

  /**
   * Async, three copies: what was flushed and replicated (lag 0, as {@code volume show} reports)
   * survives kill -9 of the primary. Then, under a write load, the volume switches to sync without
   * a failed write; what is acknowledged after the switch (never flushed) survives kill -9 of that
   * primary too.
   */
  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void asyncLosesNothingReplicatedAndSwitchingToSyncUnderLoadLosesNothingAcknowledged() throws IOException {
    Tools.require("qemu-img", "qemu-io", "fio");
    Tools.requirePythonNbd();
    Path image = Tools.randomImage(tmp.resolve("random.img"), 32 * MIB, 7);
    startCluster(NODE_CONFIG);
    DaemonProcess n1 = cluster.node("n1");

    JsonNode created = json(n1.cli("volume", "create", "db", "--size", "32M", "--copies", "3",
        "--min-copies", "2", "--mode", "async", "--json"));
    assertThat(created.get("mode").asText()).isEqualTo("async");
    awaitInSync(n1, "db");
    Tools.run(120, "qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", image.toString(), n1.nbdUrl("db")).ok();
    Tools.run(60, "qemu-io", "-f", "raw", "-c", "flush", n1.nbdUrl("db")).ok();
    // Lag 0 in bytes and in seconds: nothing unacknowledged, not even the flush.
    Poll.until("async lag 0 at the primary", SETTLE, () -> show(n1, "db")
        .filter(v -> v.get("lagBytes").asLong() == 0 && v.get("lagSeconds").asDouble() == 0));
    n1.kill9();

    JsonNode failedOver = awaitNewPrimary(cluster.node("n2"), "db", "n1", created.get("epoch").asLong());
    DaemonProcess primary = cluster.node(failedOver.get("primary").asText());
    DaemonProcess other = primary == cluster.node("n2") ? cluster.node("n3") : cluster.node("n2");
    awaitDown(primary, "n1");
    awaitServing(other, "db");
    assertThat(Tools.run(120, "qemu-img", "compare", "-f", "raw", "-F", "raw", image.toString(),
        other.nbdUrl("db")).ok().output()).contains("Images are identical");

    // Back to three nodes, so that losing one more still leaves a metadata majority and min-copies.
    n1.restart();
    awaitInSync(primary, "db");

    long writesBefore = show(primary, "db").orElseThrow().get("io").get("writes").asLong();
    Process load = Fio.steadyWrites(primary.nbdUrl("db"), clusters.logs().resolve("fio.log"));
    try {
      Poll.until("the write load running", SETTLE, () -> show(primary, "db")
          .filter(v -> v.get("io").get("writes").asLong() > writesBefore + 16));
      assertThat(json(primary.cli("volume", "set", "db", "--mode", "sync", "--json")).get("mode").asText())
          .isEqualTo("sync");
      assertThat(load.isAlive()).as("the switch happened under load (fio still writing)").isTrue();
      assertThat(Tools.waitFor(load, 60)).as("fio saw no failed write across the switch").isZero();
    } finally {
      load.destroyForcibly();
    }
    JsonNode synced = show(cluster.node("n1"), "db").orElseThrow();
    assertThat(synced.get("mode").asText()).as("every node sees the switch").isEqualTo("sync");

    // Acknowledged in sync mode and never flushed: nothing but the mode makes it survive.
    Tools.run(120, Tools.SYSTEM_PYTHON, "-c", """
        import nbd, sys
        h = nbd.NBD()
        h.connect_uri(sys.argv[1])
        for i in range(32):
            h.pwrite(bytes([0xa5]) * (1 << 20), i << 20)
        h.shutdown()
        """, primary.nbdUrl("db")).ok();
    long epoch = synced.get("epoch").asLong();
    String lost = primary.info().nodeId();
    primary.kill9();
    DaemonProcess last = cluster.node(awaitNewPrimary(other, "db", lost, epoch).get("primary").asText());
    awaitDown(other, lost);
    // Read through the door of the node that did not take over the first time (it may be primary now).
    awaitServing(other, "db");
    Path pattern = tmp.resolve("pattern.img");
    Files.write(pattern, new byte[0]);
    Tools.fill(pattern, 0, 32 * MIB, (byte) 0xa5);
    assertThat(Tools.run(120, "qemu-img", "compare", "-f", "raw", "-F", "raw", pattern.toString(),
        other.nbdUrl("db")).ok().output()).contains("Images are identical");

    // The second lost primary returns fenced, is resynced, and all three copies agree.
    primary.restart();
    awaitInSync(last, "db");
    JsonNode verified = json(last.cli("volume", "verify", "db", "--json"));
    assertThat(verified.get("clean").asBoolean()).as("%s", verified).isTrue();
    assertThat(verified.get("copies")).hasSize(3);
    assertThat(verified.get("primary").asText()).isNotEqualTo(lost);
  }

  /** Three nodes n1..n3 in compartments c1..c3 of one site, all UP. */
  private void startCluster(String nodeConfig) throws IOException {
    cluster = clusters.start(nodeConfig);
    assertThat(cluster.node("n1").cli("cluster", "status")).contains("n1", "n2", "n3", "round trips");
  }
}
