package org.snipblock.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.snipblock.node.testing.ClusterWatch.show;
import static org.snipblock.node.testing.ClusterWatch.status;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
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
 * Nodes joining and leaving a running cluster, each daemon its own JVM on 127.0.0.1: three
 * founding voters; a fourth starts with {@code --join} naming them and becomes a node and a
 * metadata voter; {@code cluster rebalance} gives it its share of the copies; n1 is drained and removed, which also takes it
 * out of the voters; n1 restarted on its old data directory is refused with one line and exits;
 * n1 started on a fresh data directory with {@code --join} is added again. Data written before
 * the changes reads back through the newcomer's door.
 */
class JoinProcessIT {
  @TempDir Path tmp;
  @RegisterExtension final ProcessClusters clusters = new ProcessClusters();
  private ProcessCluster cluster;

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void aNodeJoinsAtRunTimeTakesCopiesAndARemovedNodeDoesNotComeBackOnItsOwn() throws IOException {
    Tools.require("qemu-io");
    cluster = clusters.start("""
        store:
          snippet-size: 1M
        cluster:
          replication:
            failover-delay: 2s
        """, 3);
    DaemonProcess n1 = cluster.node("n1");
    DaemonProcess n2 = cluster.node("n2");
    DaemonProcess n3 = cluster.node("n3");
    assertThat(voters(n2)).containsExactly("n1", "n2", "n3");
    n1.cli("volume", "create", "el", "--size", "4M", "--copies", "3", "--min-copies", "2", "--mode", "sync");
    Poll.until("all copies of el in sync", Duration.ofSeconds(60), () -> show(n2, "el")
        .filter(v -> v.get("stale").isEmpty() && v.get("unreachable").isEmpty()));
    Tools.run(60, "qemu-io", "-f", "raw", "-c", "write -P 0x5a 0 4M", n2.nbdUrl("el")).ok();

    DaemonProcess n4 = cluster.join(tmp.resolve("n4"), "n4", "site1/c4/r1/h4");
    Poll.until("n4 UP and a metadata voter", Duration.ofSeconds(60), () -> status(n2)
        .filter(s -> states(s).equals(List.of("UP", "UP", "UP", "UP")) && voters(s).contains("n4")));
    // n4 names the others by node id once it has applied their records.
    Poll.until("n4 names the four voters", Duration.ofSeconds(60), () -> status(n4)
        .filter(s -> voters(s).equals(List.of("n1", "n2", "n3", "n4"))));

    // The newcomer takes its share: a dry run moves nothing; the rebalance moves copies of n2 and
    // n3 (n1's stay: it is the primary) until the fills are one copy apart.
    String dry = n2.cli("cluster", "rebalance", "--dry-run");
    assertThat(dry).startsWith("plan: 2 move(s), 2 MiB\n").contains("el entry ").contains(" -> n4 (1 MiB)")
        .endsWith("dry run: nothing moved\n");
    assertThat(holders(n2)).noneMatch(h -> h.contains("n4"));
    String rebalanced = n3.cli("cluster", "rebalance");
    assertThat(rebalanced).startsWith("plan: 2 move(s), 2 MiB\n")
        .contains("\nrebalance running: 0 of 2 moves done, 0 skipped, 0 failed").endsWith("rebalance done: 2 moved, 0 skipped, 0 failed\n");
    // Asked of n3; n2 applies the moves' last steps on its own schedule.
    Poll.until("n2 sees two copies on n4 and three copies of every stripe", Duration.ofSeconds(60),
        () -> Optional.of(holders(n2)).filter(hs -> hs.stream().allMatch(h -> h.size() == 3 && Set.copyOf(h).size() == 3)
            && hs.stream().filter(h -> h.contains("n4")).count() == 2));
    assertThat(n3.cli("cluster", "rebalance", "--dry-run")).endsWith("nothing to move\n");
    JsonNode verified = ProcessCluster.json(n1.cli("volume", "verify", "el", "--json"));
    assertThat(verified.get("clean").asBoolean()).as("%s", verified).isTrue();

    // Drained, n1's copies go to the node of each entry's missing compartment.
    n2.cli("node", "drain", "n1");
    JsonNode drained = show(n2, "el").orElseThrow();
    assertThat(drained.get("snippetReplicas")).hasSize(4).allSatisfy(holders ->
        assertThat(holders).extracting(JsonNode::asText).containsExactlyInAnyOrder("n2", "n3", "n4"));
    n1.terminate();
    assertThat(n2.cli("cluster", "remove-node", "n1").strip()).isEqualTo("node n1 removed from the cluster");
    assertThat(voters(n2)).containsExactly("n2", "n3", "n4");

    // Restarted on its old data directory, n1 is refused with one line and ends.
    assertThat(n1.restartExpectingExit()).isEqualTo(1);
    assertThat(n1.log()).contains("snipblock: the cluster refuses this node: node n1 was removed from the cluster "
        + "(cluster remove-node n1) and does not rejoin on its own");
    JsonNode after = status(n2).orElseThrow();
    assertThat(voters(after)).containsExactly("n2", "n3", "n4");
    assertThat(after.get("nodes")).extracting(n -> n.get("id").asText()).doesNotContain("n1");

    // The metadata still commits with the three voters left, and the data reads back through n4.
    n4.cli("volume", "create", "after", "--size", "4M", "--copies", "2");
    Tools.run(60, "qemu-io", "-f", "raw", "-c", "read -P 0x5a 0 4M", n4.nbdUrl("el")).ok();

    // An explicit add: a fresh data directory and --join without itself.
    DaemonProcess again = cluster.join(tmp.resolve("n1-again"), "n1", "site1/c1/r1/h1");
    Poll.until("n1 back as a node and a voter", Duration.ofSeconds(60), () -> status(n2)
        .filter(s -> states(s).equals(List.of("UP", "UP", "UP", "UP")) && voters(s).contains("n1")));
    // Like n4 above, the newcomer names the others by node id once it has applied their records.
    Poll.until("the new n1 names the four voters", Duration.ofSeconds(60), () -> Optional.of(again.cli("cluster", "status"))
        .filter(s -> s.contains("voters:      n1 n2 n3 n4")));
  }

  private static List<List<String>> holders(DaemonProcess via) {
    JsonNode v = show(via, "el").orElseThrow();
    assertThat(v.get("stale")).as("no stale copy: %s", v).isEmpty();
    return StreamSupport.stream(v.get("snippetReplicas").spliterator(), false).map(h -> StreamSupport
        .stream(h.spliterator(), false).map(JsonNode::asText).toList()).toList();
  }

  private static List<String> voters(DaemonProcess via) {
    return voters(status(via).orElseThrow());
  }

  private static List<String> voters(JsonNode status) {
    return StreamSupport.stream(status.get("voters").spliterator(), false).map(JsonNode::asText).toList();
  }

  private static List<String> states(JsonNode status) {
    return StreamSupport.stream(status.get("nodes").spliterator(), false).map(n -> n.get("state").asText()).toList();
  }
}
