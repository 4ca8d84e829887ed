package org.snipblock.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.snipblock.node.testing.ClusterWatch.awaitDown;
import static org.snipblock.node.testing.ClusterWatch.awaitInSync;
import static org.snipblock.node.testing.ClusterWatch.missing;
import static org.snipblock.node.testing.ClusterWatch.resync;
import static org.snipblock.node.testing.ClusterWatch.show;
import static org.snipblock.node.testing.ProcessCluster.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
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
import org.snipblock.node.testing.Poll;
import org.snipblock.node.testing.ProcessCluster;
import org.snipblock.node.testing.ProcessClusters;
import org.snipblock.node.testing.Tools;

/**
 * Re-replication between three daemons, each its own JVM on 127.0.0.1: a holder gone for longer
 * than {@code rereplication-delay} has its copies rebuilt on another node while writes go on,
 * watched through {@code volume show} as an operator would.
 */
class RereplicationProcessIT {
  private static final long MIB = 1 << 20;

  @RegisterExtension final ProcessClusters clusters = new ProcessClusters();
  @TempDir Path tmp;
  private ProcessCluster cluster;

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
    startCluster(ClusterProcessIT.NODE_CONFIG + "    rereplication-delay: 3s\n");
    DaemonProcess n1 = cluster.node("n1");
    JsonNode created = json(n1.cli("volume", "create", "rr", "--size", "16M", "--copies", "2", "--min-copies", "1",
        "--json"));
    awaitInSync(n1, "rr");
    List<String> holders = new ArrayList<>();
    created.get("snippetReplicas").get(0).forEach(n -> holders.add(n.asText()));
    assertThat(holders).hasSize(2).startsWith("n1");
    String victim = holders.get(1);
    DaemonProcess spare = cluster.node(victim.equals("n2") ? "n3" : "n2");
    Tools.run(120, "qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", image.toString(), n1.nbdUrl("rr")).ok();
    Tools.run(60, "qemu-io", "-f", "raw", "-c", "flush", n1.nbdUrl("rr")).ok();

    cluster.node(victim).kill9();
    awaitDown(n1, victim);
    // Writes go on with one copy while the lost one is replaced.
    Tools.run(120, "qemu-io", "-f", "raw", "-c", "write -P 0x3c 4M 4M", "-c", "flush", n1.nbdUrl("rr")).ok();
    Tools.fill(image, 4 * MIB, 4 * MIB, (byte) 0x3c);
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
  private void startCluster(String nodeConfig) throws IOException {
    cluster = clusters.start(nodeConfig);
    assertThat(cluster.node("n1").cli("cluster", "status")).contains("n1", "n2", "n3", "round trips");
  }
}
