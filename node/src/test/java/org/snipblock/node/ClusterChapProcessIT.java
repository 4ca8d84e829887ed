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
 * refusals are logged on the node refusing; the secret is in no output, no log and no file of any
 * node's data (the metadata log, its records and snapshots hold it sealed with the cluster's key);
 * off opens again.
 */
class ClusterChapProcessIT {
  private static final Logger log = LoggerFactory.getLogger(ClusterChapProcessIT.class);
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String SECRET = "Xq7-cluster-chap-secret";
  /** A user name no other file has: found in the nodes' data, it shows their bytes can be searched. */
  private static final String USER = "chap-user-of-ch1";
  private static final String KEYED = """
      cluster:
        chap-key: chap.key
      """;

  @TempDir Path tmp;
  @RegisterExtension final ProcessClusters clusters = new ProcessClusters();
  private ProcessCluster cluster;

  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void everyNodesDoorAsksTheClustersChapAndNoneShowsTheSecret() throws Exception {
    Tools.require("iscsi-inq");
    // The same key on every node (one config file): 32 random bytes, base64.
    byte[] key = new byte[32];
    new java.security.SecureRandom().nextBytes(key);
    Files.writeString(clusters.dir().resolve("chap.key"), java.util.Base64.getEncoder().encodeToString(key) + "\n");
    cluster = clusters.start(KEYED);
    DaemonProcess n1 = cluster.node("n1");
    n1.cli("volume", "create", "ch1", "--size", "16M", "--copies", "3", "--mode", "sync");
    Path secretFile = Files.writeString(tmp.resolve("ch1.secret"), SECRET + "\n");
    String set = n1.cli("volume", "chap", "ch1", "--user", USER, "--secret-file", secretFile.toString());
    log.info("volume chap ch1 --user {} --secret-file ...:\n{}", USER, set);
    assertThat(set).contains("user:        " + USER).doesNotContain(SECRET);
    // Another node answers from its own copy of the metadata, which may be a commit behind n1's.
    String shown = Poll.until("n3 to show ch1's CHAP user", WAIT, () -> Optional.of(cluster.node("n3")
        .cli("volume", "chap", "ch1", "--json")).filter(s -> ProcessCluster.json(s).path("user").asText().equals(USER)));
    assertThat(shown).doesNotContain(SECRET);
    assertThat(cluster.node("n2").cli("volume", "show", "ch1", "--json")).doesNotContain(SECRET);

    for (DaemonProcess door : List.of(cluster.node("n2"), cluster.node("n3"))) {
      String id = door.info().nodeId();
      String right = Poll.until(id + " admitting u1 with the cluster's secret", WAIT, () -> Optional.of(
          Tools.run(30, "iscsi-inq", url(door, USER + "%" + SECRET + "@"))).filter(r -> r.exit() == 0)).output();
      assertThat(right).as("through %s", id).contains("Vendor:SNIPBLCK");
      assertThat(Tools.run(30, "iscsi-inq", url(door, "")).exit()).as("no CHAP through %s", id).isNotZero();
      assertThat(Tools.run(30, "iscsi-inq", url(door, USER + "%wrong-secret-of-16@")).exit())
          .as("a wrong secret through %s", id).isNotZero();
      Poll.until(id + " logging both refusals", WAIT, () -> Optional.of(door.log())
          .filter(l -> l.contains("target requires CHAP") && l.contains("CHAP response does not match for user " + USER)));
    }

    assertThat(n1.cli("volume", "chap", "ch1", "--off")).contains("not set");
    for (DaemonProcess door : cluster.nodes()) {
      Poll.until(door.info().nodeId() + " admitting without CHAP again", WAIT, () -> Optional.of(
          Tools.run(30, "iscsi-inq", url(door, ""))).filter(r -> r.exit() == 0));
    }
    assertThat(n1.log()).as("the node asked logs the change").contains("volume ch1: CHAP user " + USER + " (version 1)");
    for (DaemonProcess n : cluster.nodes()) {
      assertThat(n.log()).as("%s's log", n.info().nodeId()).doesNotContain(SECRET);
    }
    // Every byte each node keeps: the metadata log and its snapshots, the store. The user is there
    // (the search sees the log's bytes), the secret nowhere.
    byte[] secret = SECRET.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    byte[] user = USER.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    boolean userSeen = false;
    for (int i = 1; i <= 3; i++) {
      List<Path> files;
      try (var walk = Files.walk(clusters.dir().resolve("n" + i))) {
        files = walk.filter(Files::isRegularFile).toList();
      }
      for (Path f : files) {
        byte[] bytes = Files.readAllBytes(f);
        assertThat(indexOf(bytes, secret)).as("the secret in %s", f).isEqualTo(-1);
        userSeen |= indexOf(bytes, user) >= 0;
      }
    }
    assertThat(userSeen).as("the user's name in some node's data files").isTrue();
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static String url(DaemonProcess door, String credentials) {
    return "iscsi://" + credentials + "127.0.0.1:" + door.info().iscsiPort() + "/iqn.2026-11.org.snipblock:ch1/0";
  }
}
