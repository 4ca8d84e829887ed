package org.snipblock.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.snipblock.node.testing.DaemonProcess;
import org.snipblock.node.testing.Poll;
import org.snipblock.node.testing.ProcessCluster;
import org.snipblock.node.testing.ProcessClusters;
import org.snipblock.node.testing.QemuIoSession;
import org.snipblock.node.testing.Tools;

/**
 * Fencing a host out of its volume, as the hypervisor adapter does before restarting a VM
 * elsewhere: three daemons, a real QEMU iSCSI client (qemu-io) keeping its session open, libiscsi's
 * iscsi-inq logging in as named initiators. After a revoke that every node confirmed, the fenced
 * initiator's session is gone, its next write never lands, and it cannot log in again at any node.
 */
class VolumeAccessProcessIT {
  private static final String TARGET = "iqn.2026-11.org.snipblock:vm1";
  private static final String HOST_A = "iqn.2026-12.test.hosts:host-a";
  private static final String HOST_B = "iqn.2026-12.test.hosts:host-b";
  private static final String HOST_C = "iqn.2026-12.test.hosts:host-c";
  private static final Duration WAIT = Duration.ofSeconds(60);

  @RegisterExtension final ProcessClusters clusters = new ProcessClusters();
  private ProcessCluster cluster;

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void aRevokedInitiatorLosesItsSessionItsWritesAndEveryLogin() throws Exception {
    Tools.require("qemu-io", "iscsi-inq");
    Tools.requireQemuIscsi();
    cluster = clusters.start("cluster:\n  replication:\n    failover-delay: 2s\n");
    DaemonProcess n1 = cluster.node("n1");
    DaemonProcess n3 = cluster.node("n3");
    n1.cli("volume", "create", "vm1", "--size", "16M", "--copies", "3", "--mode", "sync");
    assertThat(n1.cli("volume", "access", "vm1")).contains("iSCSI initiators:      not restricted");

    // volume set --allowed-initiators: the spelling of volume access, the same call.
    JsonNode allowed = json(cluster.node("n2").cli("volume", "set", "vm1", "--allowed-initiators",
        HOST_A + "," + HOST_B, "--json"));
    assertThat(allowed.get("initiators")).extracting(JsonNode::asText).containsExactly(HOST_A, HOST_B);
    assertThat(allowed.get("enforcedBy")).extracting(JsonNode::asText).containsExactly("n1", "n2", "n3");
    for (DaemonProcess n : cluster.nodes()) {
      assertThat(inquiry(n, HOST_A).exit()).as("host-a logs in at %s", n.info().nodeId()).isZero();
      assertThat(inquiry(n, HOST_C).output()).as("host-c is not on the list")
          .contains("Authorization failure");
      awaitRefusalLogged(n, HOST_C);
    }

    // host-a's "QEMU": one session through n3's door, which forwards to the primary n1.
    try (QemuIoSession hostA = QemuIoSession.iscsi(n3.info().iscsiPort(), TARGET, HOST_A)) {
      hostA.send("write -P 0xaa 0 64k");
      assertThat(hostA.await("wrote 65536/65536", WAIT)).as("host-a writes before the revoke").isPresent();

      JsonNode revoked = json(n1.cli("volume", "access", "vm1", "--revoke-initiator", HOST_A, "--json"));
      assertThat(revoked.get("initiators")).extracting(JsonNode::asText).containsExactly(HOST_B);
      assertThat(revoked.get("enforcedBy")).extracting(JsonNode::asText)
          .as("the revoke returned once every node closed host-a's connections").containsExactly("n1", "n2", "n3");
      assertThat(n3.log()).contains("access revoked; closing it");

      // Its next write: QEMU's iSCSI driver logs in again to send it, and n3 refuses it.
      hostA.send("write -P 0xbb 0 64k");
      Poll.until("n3 refusing host-a's new login", WAIT, () -> Optional.of(n3.log())
          .filter(log -> log.contains("login refused for " + HOST_A)));
      assertThat(hostA.unread()).as("the write after the revoke never completed").noneMatch(l -> l.contains("wrote"));
    }
    // host-a's QEMU is gone now; nothing of it may have landed after the revoke.
    for (DaemonProcess n : cluster.nodes()) {
      Tools.run(60, "qemu-io", "-c", "read -P 0xaa 0 64k", "--image-opts", imageOptions(n, HOST_B)).ok();
      assertThat(inquiry(n, HOST_A).output()).as("host-a cannot log in at %s", n.info().nodeId())
          .contains("Authorization failure");
      awaitRefusalLogged(n, HOST_A);
    }

    n3.cli("volume", "access", "vm1", "--allow-initiator", HOST_A);
    for (DaemonProcess n : cluster.nodes()) {
      assertThat(inquiry(n, HOST_A).exit()).as("host-a allowed again at %s", n.info().nodeId()).isZero();
    }
    Tools.run(60, "qemu-io", "-c", "write -P 0xcc 0 64k", "--image-opts", imageOptions(n1, HOST_A)).ok();
    Tools.run(60, "qemu-io", "-c", "read -P 0xcc 0 64k", "--image-opts", imageOptions(n3, HOST_B)).ok();
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void malformedAccessChangesGetOneClearLineAndChangeNothing() throws IOException {
    cluster = clusters.start("");
    DaemonProcess n2 = cluster.node("n2");
    n2.cli("volume", "create", "vm1", "--size", "4M", "--copies", "2");
    n2.cli("volume", "access", "vm1", "--allow-initiator", HOST_A);
    long version = json(n2.cli("volume", "access", "vm1", "--json")).get("version").asLong();

    assertThat(n2.cliError("volume", "access", "vm1", "--allow-initiator", "host-a"))
        .contains("'host-a' is not an iSCSI initiator name");
    assertThat(n2.cliError("volume", "access", "vm1", "--allow-initiator", "iqn.2026-12.x:a b"))
        .contains("is not an iSCSI initiator name");
    assertThat(n2.cliError("volume", "access", "vm1", "--revoke-certificate", "web"))
        .contains("does not restrict NBD certificate names");
    assertThat(n2.cliError("volume", "access", "vm1", "--open", "--revoke-initiator", HOST_A))
        .contains("cannot be combined");
    assertThat(n2.cliError("volume", "access", "nosuch", "--allow-initiator", HOST_A)).contains("no volume named nosuch");
    assertThat(n2.cliError("volume", "access", "vm1", "--allow-certificate", "a\tb"))
        .contains("is not a certificate name");
    String error = n2.cliError("volume", "access", "vm1", "--allow-initiator", "x");
    assertThat(error.strip().lines()).as("one line: %s", error).hasSize(1);
    JsonNode after = json(n2.cli("volume", "access", "vm1", "--json"));
    assertThat(after.get("version").asLong()).as("nothing changed").isEqualTo(version);
    assertThat(after.get("initiators")).extracting(JsonNode::asText).containsExactly(HOST_A);
    assertThat(after.get("certificateNames").isNull()).isTrue();

    JsonNode opened = json(n2.cli("volume", "access", "vm1", "--open", "--json"));
    assertThat(opened.get("initiators").isNull()).as("open: the nodes' configuration decides").isTrue();
  }

  /** The refusing node (and not only the one asked) logs the refusal, naming the initiator and the target. */
  private static void awaitRefusalLogged(DaemonProcess n, String initiator) {
    Poll.until(n.info().nodeId() + " logging the refusal of " + initiator, WAIT, () -> Optional.of(n.log())
        .filter(log -> log.lines().anyMatch(l -> l.contains("login refused for " + initiator) && l.contains(TARGET))));
  }

  private static Tools.Run inquiry(DaemonProcess n, String initiator) {
    return Tools.run(60, "iscsi-inq", "-i", initiator,
        "iscsi://127.0.0.1:" + n.info().iscsiPort() + "/" + TARGET + "/0");
  }

  private static String imageOptions(DaemonProcess n, String initiator) {
    return QemuIoSession.iscsiOptions(n.info().iscsiPort(), TARGET, initiator);
  }

  private static JsonNode json(String text) {
    return ProcessCluster.json(text);
  }
}
