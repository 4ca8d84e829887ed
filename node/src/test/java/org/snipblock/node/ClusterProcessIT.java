package org.snipblock.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.node.testing.DaemonProcess;
import org.snipblock.node.testing.Poll;
import org.snipblock.node.testing.ProcessCluster;
import org.snipblock.node.testing.Tools;

/**
 * Three daemons in three compartments, each its own JVM on 127.0.0.1, driven only by the CLI and
 * real iSCSI/NBD clients, watched the way an operator watches them ({@code cluster status},
 * {@code volume show --json}): a primary is killed with SIGKILL, a survivor takes over with a higher
 * epoch, clients read back what the volume's mode promises, and the killed node comes back, is
 * resynced by delta and counts again. Node logs are kept under target/cluster-logs/.
 */
class ClusterProcessIT {
  private static final long MIB = 1 << 20;
  private static final Duration SETTLE = Duration.ofSeconds(60);
  /**
   * Slow enough that an operator (and this test) can watch a resync run, fast enough for a test;
   * set through the config file's cluster section like any operator would.
   */
  private static final String NODE_CONFIG = """
      cluster:
        replication:
          resync-rate: 4M
          failover-delay: 2s
      """;

  @TempDir Path tmp;
  private ProcessCluster cluster;
  private Path logs;

  @BeforeEach
  void logDirectory(TestInfo test) {
    logs = ProcessCluster.logsOf(test);
  }

  @AfterEach
  void stopAll() {
    if (cluster != null) {
      cluster.close();
    }
  }

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
    startCluster();
    DaemonProcess n1 = node("n1");

    JsonNode created = json(n1.cli("volume", "create", "img", "--size", "48M", "--copies", "3",
        "--min-copies", "2", "--spread", "compartment", "--mode", "sync", "--json"));
    assertThat(created.get("primary").asText()).as("the creating node is primary").isEqualTo("n1");
    assertThat(created.get("snippetReplicas").get(0)).hasSize(3);
    long epoch = created.get("epoch").asLong();
    awaitInSync(n1, "img");

    // Through a door of a node that is not the primary: it forwards to n1.
    DaemonProcess door = node("n2");
    Tools.run(120, "qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", image.toString(), door.iscsiUrl("img")).ok();
    Tools.run(60, "qemu-io", "-f", "raw", "-c", "flush", door.iscsiUrl("img")).ok();
    // A snapshot is one op of the replication stream, taken through the primary; every copy takes it.
    assertThat(n1.cli("volume", "snapshot", "img", "s1")).contains("s1");
    assertThat(node("n3").cliError("volume", "snapshot", "img", "s2")).contains("its primary is n1");
    n1.kill9();

    JsonNode failedOver = awaitNewPrimary(node("n2"), "img", "n1", epoch);
    DaemonProcess primary = node(failedOver.get("primary").asText());
    DaemonProcess other = primary == node("n2") ? node("n3") : node("n2");
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
    fill(image, 16 * MIB, 8 * MIB, (byte) 0x5a);
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
   * Issue 11's cluster test: a snapshot taken under an fio write load through a door reads back
   * identical through the new primary after kill -9 of the old one; snapshots taken and deleted
   * while the killed node was away reach it when it returns (verify clean, snapshots included); a
   * clone of the snapshot is a volume of the cluster that reads it and keeps it in use.
   */
  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void aSnapshotUnderLoadSurvivesKill9OfThePrimaryAndTheReturningNodeGetsTheSnapshots() throws IOException {
    Tools.require("qemu-img", "qemu-io", "fio");
    startCluster();
    DaemonProcess n1 = node("n1");
    JsonNode created = json(n1.cli("volume", "create", "vm", "--size", "32M", "--copies", "3", "--min-copies", "2",
        "--mode", "sync", "--json"));
    awaitInSync(n1, "vm");
    DaemonProcess door = node("n2");
    long writesBefore = show(door, "vm").orElseThrow().get("io").get("writes").asLong();
    Process load = fio(door.nbdUrl("vm"));
    Path s1 = tmp.resolve("s1.img");
    try {
      Poll.until("the write load running", SETTLE, () -> show(door, "vm")
          .filter(v -> v.get("io").get("writes").asLong() > writesBefore + 16));
      assertThat(n1.cli("volume", "snapshot", "vm", "s1")).contains("s1");
      Tools.run(120, "qemu-img", "convert", "-f", "raw", "-O", "raw", n1.nbdUrl("vm@s1"), s1.toString()).ok();
      assertThat(load.isAlive()).as("the snapshot was taken and read under load (fio still writing)").isTrue();
      n1.kill9();
      waitFor(load, 90);
    } finally {
      load.destroyForcibly();
    }

    JsonNode failedOver = awaitNewPrimary(door, "vm", "n1", created.get("epoch").asLong());
    DaemonProcess primary = node(failedOver.get("primary").asText());
    DaemonProcess other = primary == node("n2") ? node("n3") : node("n2");
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
    startCluster();
    DaemonProcess n1 = node("n1");

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

    JsonNode failedOver = awaitNewPrimary(node("n2"), "db", "n1", created.get("epoch").asLong());
    DaemonProcess primary = node(failedOver.get("primary").asText());
    DaemonProcess other = primary == node("n2") ? node("n3") : node("n2");
    awaitDown(primary, "n1");
    awaitServing(other, "db");
    assertThat(Tools.run(120, "qemu-img", "compare", "-f", "raw", "-F", "raw", image.toString(),
        other.nbdUrl("db")).ok().output()).contains("Images are identical");

    // Back to three nodes, so that losing one more still leaves a metadata majority and min-copies.
    n1.restart();
    awaitInSync(primary, "db");

    long writesBefore = show(primary, "db").orElseThrow().get("io").get("writes").asLong();
    Process load = fio(primary.nbdUrl("db"));
    try {
      Poll.until("the write load running", SETTLE, () -> show(primary, "db")
          .filter(v -> v.get("io").get("writes").asLong() > writesBefore + 16));
      assertThat(json(primary.cli("volume", "set", "db", "--mode", "sync", "--json")).get("mode").asText())
          .isEqualTo("sync");
      assertThat(load.isAlive()).as("the switch happened under load (fio still writing)").isTrue();
      assertThat(waitFor(load, 60)).as("fio saw no failed write across the switch").isZero();
    } finally {
      load.destroyForcibly();
    }
    JsonNode synced = show(node("n1"), "db").orElseThrow();
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
    DaemonProcess last = node(awaitNewPrimary(other, "db", lost, epoch).get("primary").asText());
    awaitDown(other, lost);
    // Read through the door of the node that did not take over the first time (it may be primary now).
    awaitServing(other, "db");
    Path pattern = tmp.resolve("pattern.img");
    Files.write(pattern, new byte[0]);
    fill(pattern, 0, 32 * MIB, (byte) 0xa5);
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

  /**
   * Two copies, one needed: the replica's node dies for good; after the re-replication delay its
   * copies are rebuilt on the third node (progress in {@code volume show}) while writes go on, and
   * the new copy agrees with the primary's.
   */
  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void aLostReplicaIsRebuiltOnAnotherNodeWhileWritesGoOn() throws IOException {
    Tools.require("qemu-img", "qemu-io");
    Path image = Tools.randomImage(tmp.resolve("random.img"), 16 * MIB, 11);
    startCluster(NODE_CONFIG + "    rereplication-delay: 3s\n");
    DaemonProcess n1 = node("n1");
    JsonNode created = json(n1.cli("volume", "create", "rr", "--size", "16M", "--copies", "2", "--min-copies", "1",
        "--json"));
    awaitInSync(n1, "rr");
    List<String> holders = new ArrayList<>();
    created.get("snippetReplicas").get(0).forEach(n -> holders.add(n.asText()));
    assertThat(holders).hasSize(2).startsWith("n1");
    String victim = holders.get(1);
    DaemonProcess spare = node(victim.equals("n2") ? "n3" : "n2");
    Tools.run(120, "qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", image.toString(), n1.nbdUrl("rr")).ok();
    Tools.run(60, "qemu-io", "-f", "raw", "-c", "flush", n1.nbdUrl("rr")).ok();

    node(victim).kill9();
    awaitDown(n1, victim);
    // Writes go on with one copy while the lost one is replaced.
    Tools.run(120, "qemu-io", "-f", "raw", "-c", "write -P 0x3c 4M 4M", "-c", "flush", n1.nbdUrl("rr")).ok();
    fill(image, 4 * MIB, 4 * MIB, (byte) 0x3c);
    String to = spare.info().nodeId();
    List<JsonNode> running = new ArrayList<>();
    List<JsonNode> seen = new ArrayList<>();
    JsonNode rebuilt;
    try {
      rebuilt = Poll.until("copies of rr rebuilt on " + to, Duration.ofSeconds(90), () -> show(n1, "rr").filter(v -> {
        seen.clear();
        seen.add(v);
        resync(v, to).filter(r -> r.get("running").asBoolean()).ifPresent(r -> running.add(v));
        boolean moved = true;
        for (JsonNode snippet : v.get("snippetReplicas")) {
          List<String> on = new ArrayList<>();
          snippet.forEach(n -> on.add(n.asText()));
          moved &= on.contains(to) && !on.contains(victim) && on.size() == 2;
        }
        // The replaced node is no replica any more: nothing may be listed as missing, not even it.
        return moved && missing(v).isEmpty()
            && resync(v, to).filter(r -> !r.get("running").asBoolean()).isPresent();
      }));
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; volume show said last: " + seen, e);
    }
    assertThat(running).as("volume show reported the rebuild while it ran (throttled to 4 MiB/s)").isNotEmpty();
    assertThat(resync(rebuilt, to).orElseThrow().get("bytesCopied").asLong()).as("the lost copies, sent again").isPositive();
    assertThat(Tools.run(120, "qemu-img", "compare", "-f", "raw", "-F", "raw", image.toString(),
        spare.nbdUrl("rr")).ok().output()).contains("Images are identical");
    JsonNode verified = json(n1.cli("volume", "verify", "rr", "--json"));
    assertThat(verified.get("clean").asBoolean()).as("%s", verified).isTrue();
    assertThat(verified.get("copies")).extracting(c -> c.get("node").asText()).containsExactlyInAnyOrder("n1", to);
  }

  /** Three nodes n1..n3 in compartments c1..c3 of one site, all UP. */
  private void startCluster() throws IOException {
    startCluster(NODE_CONFIG);
  }

  /** The same, each node with this config file. */
  private void startCluster(String nodeConfig) throws IOException {
    cluster = ProcessCluster.start(tmp, logs, nodeConfig);
    assertThat(node("n1").cli("cluster", "status")).contains("n1", "n2", "n3", "round trips");
  }

  private DaemonProcess node(String id) {
    return cluster.node(id);
  }

  private static Optional<JsonNode> show(DaemonProcess via, String volume) {
    return via.cliIfOk("volume", "show", volume, "--json").map(ClusterProcessIT::json);
  }

  /** Every copy caught up: none stale, none unreachable. */
  private static void awaitInSync(DaemonProcess via, String volume) {
    Poll.until("all copies of " + volume + " in sync", Duration.ofSeconds(90), () -> show(via, volume)
        .filter(v -> missing(v).isEmpty()));
  }

  /** The metadata names a primary other than {@code old}, with a higher epoch. */
  private static JsonNode awaitNewPrimary(DaemonProcess via, String volume, String old, long epoch) {
    JsonNode v = Poll.until("a new primary of " + volume, SETTLE, () -> show(via, volume)
        .filter(s -> !s.get("primary").asText().equals(old) && s.get("epoch").asLong() > epoch));
    assertThat(v.get("primary").asText()).isIn("n1", "n2", "n3");
    return v;
  }

  /** The metadata names the new primary before its device takes I/O: wait until its door offers the volume. */
  private static void awaitServing(DaemonProcess door, String volume) {
    Poll.until(door.info().nodeId() + "'s NBD door serving " + volume, SETTLE, () -> Optional.of(
        Tools.run(30, "qemu-img", "info", "-f", "raw", door.nbdUrl(volume))).filter(r -> r.exit() == 0));
  }

  private static void awaitDown(DaemonProcess via, String id) {
    Poll.until("cluster status showing " + id + " DOWN", SETTLE, () -> via.cliIfOk("cluster", "status", "--json")
        .map(ClusterProcessIT::json).filter(s -> {
          for (JsonNode n : s.get("nodes")) {
            if (n.get("id").asText().equals(id)) {
              return n.get("state").asText().equals("DOWN");
            }
          }
          return false;
        }));
  }

  /** Holders on record as missing writes: stale or unreachable. */
  private static List<String> missing(JsonNode volume) {
    List<String> ids = new ArrayList<>();
    volume.get("stale").forEach(n -> ids.add(n.asText()));
    volume.get("unreachable").forEach(n -> ids.add(n.asText()));
    return ids;
  }

  /** The resync (not a scrub or verify) the primary runs or ran for {@code node}. */
  private static Optional<JsonNode> resync(JsonNode volume, String node) {
    for (JsonNode r : volume.get("resyncs")) {
      if (r.get("node").asText().equals(node) && r.get("purpose").asText().equals("resync")) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }

  /** A steady random-write load, bounded in time (8 s) and in bytes (the rate times that). */
  private Process fio(String nbdUrl) throws IOException {
    List<String> cmd = List.of("fio", "--name=load", "--ioengine=nbd", "--uri=" + nbdUrl, "--rw=randwrite",
        "--bs=64k", "--iodepth=4", "--size=32M", "--time_based", "--runtime=8", "--rate=8m");
    return new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(logs.resolve("fio.log").toFile()).start();
  }

  private int waitFor(Process p, long seconds) {
    try {
      assertThat(p.waitFor(seconds, TimeUnit.SECONDS)).as("process ended within %d s", seconds).isTrue();
      return p.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Sets {@code length} bytes of {@code file} at {@code offset} to {@code value}, as a client write would. */
  private static void fill(Path file, long offset, long length, byte value) throws IOException {
    byte[] chunk = new byte[(int) MIB];
    Arrays.fill(chunk, value);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      for (long done = 0; done < length; done += chunk.length) {
        ch.write(ByteBuffer.wrap(chunk, 0, (int) Math.min(chunk.length, length - done)), offset + done);
      }
    }
  }

  private static JsonNode json(String text) {
    return ProcessCluster.json(text);
  }
}
