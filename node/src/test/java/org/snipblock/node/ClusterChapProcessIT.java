package org.snipblock.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
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
import org.snipblock.node.testing.Poll;
import org.snipblock.node.testing.ProcessCluster;
import org.snipblock.node.testing.ProcessClusters;
import org.snipblock.node.testing.Tools;

/**
 * CHAP kept in the cluster metadata: set once through one node, every node's iSCSI door asks it
 * (libiscsi's iscsi-inq logs in with and without the right secret through two other nodes); the
 * refusals are logged on the node refusing; the secret is in no output and no log; off opens again.
 */
class ClusterChapProcessIT {
  private static final Logger log = LoggerFactory.getLogger(ClusterChapProcessIT.class);
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String SECRET = "Xq7-cluster-chap-secret";

  @TempDir Path tmp;
  @RegisterExtension final ProcessClusters clusters = new ProcessClusters();
  private ProcessCluster cluster;

  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void everyNodesDoorAsksTheClustersChapAndNoneShowsTheSecret() throws Exception {
    Tools.require("iscsi-inq");
    cluster = clusters.start("");
    DaemonProcess n1 = cluster.node("n1");
    n1.cli("volume", "create", "ch1", "--size", "16M", "--copies", "3", "--mode", "sync");
    Path secretFile = Files.writeString(tmp.resolve("ch1.secret"), SECRET + "\n");
    String set = n1.cli("volume", "chap", "ch1", "--user", "u1", "--secret-file", secretFile.toString());
    log.info("volume chap ch1 --user u1 --secret-file ...:\n{}", set);
    assertThat(set).contains("user:        u1").doesNotContain(SECRET);
    String shown = cluster.node("n3").cli("volume", "chap", "ch1", "--json");
    assertThat(ProcessCluster.json(shown).get("user").asText()).isEqualTo("u1");
    assertThat(shown).doesNotContain(SECRET);

    for (DaemonProcess door : List.of(cluster.node("n2"), cluster.node("n3"))) {
      String id = door.info().nodeId();
      String right = Poll.until(id + " admitting u1 with the cluster's secret", WAIT, () -> Optional.of(
          Tools.run(30, "iscsi-inq", url(door, "u1%" + SECRET + "@"))).filter(r -> r.exit() == 0)).output();
      assertThat(right).as("through %s", id).contains("Vendor:SNIPBLCK");
      assertThat(Tools.run(30, "iscsi-inq", url(door, "")).exit()).as("no CHAP through %s", id).isNotZero();
      assertThat(Tools.run(30, "iscsi-inq", url(door, "u1%wrong-secret-of-16@")).exit())
          .as("a wrong secret through %s", id).isNotZero();
      Poll.until(id + " logging both refusals", WAIT, () -> Optional.of(door.log())
          .filter(l -> l.contains("target requires CHAP") && l.contains("CHAP response does not match for user u1")));
    }

    assertThat(n1.cli("volume", "chap", "ch1", "--off")).contains("not set");
    for (DaemonProcess door : cluster.nodes()) {
      Poll.until(door.info().nodeId() + " admitting without CHAP again", WAIT, () -> Optional.of(
          Tools.run(30, "iscsi-inq", url(door, ""))).filter(r -> r.exit() == 0));
    }
    assertThat(n1.log()).as("the node asked logs the change").contains("volume ch1: CHAP user u1 (version 1)");
    for (DaemonProcess n : cluster.nodes()) {
      assertThat(n.log()).as("%s's log", n.info().nodeId()).doesNotContain(SECRET);
    }
  }

  private static String url(DaemonProcess door, String credentials) {
    return "iscsi://" + credentials + "127.0.0.1:" + door.info().iscsiPort() + "/iqn.2026-11.org.snipblock:ch1/0";
  }
}
