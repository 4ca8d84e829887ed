package org.snipblock.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.snipblock.node.testing.ClusterWatch.awaitInSync;
import static org.snipblock.node.testing.ClusterWatch.show;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
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
 * {@code node drain} of the node serving a volume's primary and holding copies, between four
 * daemons each in its own JVM on 127.0.0.1, while fio writes with verification through another
 * node's NBD door: fio sees no failed request and reads back every block; the drained node ends
 * holding nothing, every copy verifies; then {@code cluster remove-node} forgets it. Bad requests
 * are one clear line and change nothing.
 */
class DrainProcessIT {
  private static final Logger log = LoggerFactory.getLogger(DrainProcessIT.class);

  @RegisterExtension final ProcessClusters clusters = new ProcessClusters();
  private ProcessCluster cluster;

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void aDrainUnderAVerifiedFioLoadEmptiesTheNodeWithoutAFailedRequest() throws IOException {
    Tools.require("fio");
    cluster = clusters.start("""
        store:
          snippet-size: 1M
        cluster:
          replication:
            failover-delay: 2s
        """, 4);
    DaemonProcess n1 = cluster.node("n1");
    DaemonProcess n2 = cluster.node("n2");
    n1.cli("volume", "create", "dr", "--size", "32M", "--copies", "3", "--min-copies", "2", "--mode", "sync");
    awaitInSync(n2, "dr");

    // Bad requests: one clear line each, nothing changed.
    assertThat(n2.cliError("node", "drain", "n9").strip()).isEqualTo("snipblock: no node named n9 in the cluster");
    assertThat(n2.cliError("cluster", "remove-node", "n3").strip())
        .isEqualTo("snipblock: node n3 is UP: drain it first (node drain n3), or stop it");
    assertThat(n2.cliError("cluster", "remove-node", "n9").strip())
        .isEqualTo("snipblock: no node named n9 in the cluster");
    assertThat(states(n2)).containsExactly("UP", "UP", "UP", "UP");

    long writesBefore = show(n2, "dr").orElseThrow().get("io").get("writes").asLong();
    Process load = fio(n2.nbdUrl("dr"));
    String drained;
    DaemonProcess.CliRun watched;
    DaemonProcess.CliRun watchedAsJson;
    try {
      Poll.until("the write load running", Duration.ofSeconds(60), () -> show(n2, "dr")
          .filter(v -> v.get("io").get("writes").asLong() > writesBefore + 16));
      // Two operators follow the same drain: one into a pipe or file, one as a script with --json
      // (asking again for a draining node's drain follows it).
      // The script asks once the first has started it, whose first answer is then the drain's start.
      CompletableFuture<DaemonProcess.CliRun> script = CompletableFuture.supplyAsync(() -> {
        Poll.until("n1 draining", Duration.ofSeconds(60), () -> Optional.of(states(n2)).filter(s -> s.get(0)
            .equals("DRAINING")));
        return cluster.node("n3").cliWithProgress("node", "drain", "n1", "--json");
      });
      watched = n2.cliWithProgress("node", "drain", "n1");
      drained = watched.out();
      watchedAsJson = script.join();
      assertThat(Tools.waitFor(load, 120)).as("fio saw no failed request and verified every block; see %s",
          clusters.logs().resolve("fio.log")).isZero();
    } finally {
      load.destroyForcibly();
    }
    log.info("node drain answered:\n{}{}", drained, watched.err());
    // Copies moved of the 32 held at the start: plain lines (no bar), ending at all of them.
    List<String> progress = watched.err().lines().toList();
    assertThat(watched.err()).doesNotContain("\r").doesNotContain("[#");
    assertThat(progress).isNotEmpty().allMatch(l -> l.matches("drain n1: \\d+% \\d+/32 copies.*"), "a progress line");
    assertThat(progress.get(progress.size() - 1)).matches("drain n1: 100% 32/32 copies, [0-9.]+ copies/(s|min|h)");
    List<JsonNode> lines = watchedAsJson.err().lines().map(ProcessCluster::json).toList();
    assertThat(lines).isNotEmpty().allSatisfy(l -> assertThat(l.get("progress").asText()).isEqualTo("drain n1"));
    JsonNode end = lines.get(lines.size() - 1);
    assertThat(end.get("percent").asInt()).isEqualTo(100);
    assertThat(end.get("done").asLong()).isEqualTo(end.get("total").asLong()).isPositive();
    assertThat(ProcessCluster.json(watchedAsJson.out()).get("state").asText()).isEqualTo("DRAINED");
    assertThat(drained).startsWith("n1: DRAINING, serves 1 volume(s) as primary, holds 32 stripe copies\n")
        .contains("moving dr stripe")
        .endsWith("node n1 holds nothing and serves no volume: safe to stop; then 'snipblock cluster remove-node n1' "
            + "forgets it\n");
    assertThat(Files.readString(clusters.logs().resolve("fio.log"))).contains("err= 0").contains("read: IOPS");

    JsonNode after = show(n2, "dr").orElseThrow();
    assertThat(after.get("primary").asText()).isNotEqualTo("n1");
    assertThat(after.get("snippetReplicas")).hasSize(32);
    for (JsonNode s : after.get("snippetReplicas")) {
      assertThat(s).extracting(JsonNode::asText).hasSize(3).doesNotContain("n1");
    }
    DaemonProcess.CliRun verify = cluster.node(after.get("primary").asText())
        .cliWithProgress("volume", "verify", "dr", "--json");
    JsonNode verified = ProcessCluster.json(verify.out());
    assertThat(verified.get("clean").asBoolean()).as("%s", verified).isTrue();
    // Its progress as JSON lines for scripts, the last one whole: 32 snippets on each of 3 copies.
    List<JsonNode> verifying = verify.err().lines().map(ProcessCluster::json).toList();
    assertThat(verifying).as(verify.err()).isNotEmpty()
        .allSatisfy(l -> assertThat(l.get("progress").asText()).isEqualTo("verify dr"));
    JsonNode whole = verifying.get(verifying.size() - 1);
    assertThat(whole.get("percent").asInt()).isEqualTo(100);
    assertThat(whole.get("done").asLong()).isEqualTo(whole.get("total").asLong()).isPositive();
    assertThat(states(n2)).containsExactly("DRAINED", "UP", "UP", "UP");
    log.info("cluster status after the drain:\n{}", n2.cli("cluster", "status"));

    n1.terminate();
    assertThat(n2.cli("cluster", "remove-node", "n1").strip()).isEqualTo("node n1 removed from the cluster");
    assertThat(ProcessCluster.json(n2.cli("cluster", "status", "--json")).get("nodes"))
        .extracting(n -> n.get("id").asText()).containsExactly("n2", "n3", "n4");
  }

  private static List<String> states(DaemonProcess via) {
    JsonNode s = ProcessCluster.json(via.cli("cluster", "status", "--json"));
    return java.util.stream.StreamSupport.stream(s.get("nodes").spliterator(), false)
        .map(n -> n.get("state").asText()).toList();
  }

  /** Random writes of the whole volume at a bounded rate (about 8 s), then a read of every block checking its CRC. */
  private Process fio(String nbdUrl) throws IOException {
    return Fio.background("drain", nbdUrl, clusters.logs().resolve("fio.log"), "--rw=randwrite",
        "--bs=64k", "--iodepth=4", "--size=32M", "--rate=4m", "--verify=crc32c", "--do_verify=1",
        "--verify_fatal=1", "--verify_state_save=0");
  }
}
