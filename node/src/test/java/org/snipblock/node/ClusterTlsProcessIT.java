package org.snipblock.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.node.cli.Main;
import org.snipblock.node.testing.DaemonProcess;
import org.snipblock.node.testing.Poll;
import org.snipblock.node.testing.ProcessCluster;
import org.snipblock.node.testing.Tools;

/**
 * Mutual TLS on every link between nodes ({@code cluster.tls}, certificates from {@code certs init}):
 * three daemons form the cluster and replicate a sync volume over TLS, survive kill -9 of the
 * primary; openssl sees the replication and membership ports refuse a peer without a certificate
 * and one from another CA; a node with another CA's certificate does not get in, and that is logged.
 */
class ClusterTlsProcessIT {
  private static final Duration SETTLE = Duration.ofSeconds(60);

  @TempDir Path tmp;
  private ProcessCluster cluster;
  private DaemonProcess intruder;

  @AfterEach
  void stopAll() {
    if (intruder != null) {
      intruder.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void everyLinkBetweenNodesIsMutualTlsAndAForeignCertificateStaysOut(TestInfo test) throws IOException {
    Tools.require("qemu-io", "qemu-img", "openssl");
    Path certs = tmp.resolve("certs");
    Path foreign = tmp.resolve("foreign");
    // One certificate for the three nodes on 127.0.0.1 is enough here: the peers check the CA.
    assertThat(certsInit(certs)).startsWith("0:wrote ");
    assertThat(certsInit(foreign)).startsWith("0:wrote ");
    String config = """
        cluster:
          replication:
            failover-delay: 2s
          tls:
            certificate: %s
            key: %s
            ca: %s
        """.formatted(certs.resolve("node.pem"), certs.resolve("node.key"), certs.resolve("ca.pem"));
    cluster = ProcessCluster.start(tmp, ProcessCluster.logsOf(test), config);
    DaemonProcess n1 = cluster.node("n1");

    JsonNode created = json(n1.cli("volume", "create", "v", "--size", "16M", "--copies", "3", "--min-copies", "2",
        "--spread", "compartment", "--mode", "sync", "--json"));
    long epoch = created.get("epoch").asLong();
    Poll.until("all copies of v in sync", SETTLE, () -> show(n1, "v")
        .filter(v -> v.get("stale").isEmpty() && v.get("unreachable").isEmpty()));
    Tools.run(120, "qemu-io", "-f", "raw", "-c", "write -P 0x3c 0 8M", "-c", "flush", cluster.node("n2").nbdUrl("v")).ok();

    // the replication (gRPC) and membership (JGroups) ports of n1 ask every peer for a certificate of this CA
    JsonNode self = node(json(n1.cli("cluster", "status", "--json")), "n1");
    for (String port : new String[] {portOf(self.get("dataAddress").asText()), portOf(self.get("member").asText())}) {
      assertThat(handshake(port, certs, "node")).as("a peer of the cluster's CA on " + port)
          .contains("Verify return code: 0 (ok)").doesNotContain("alert");
      assertThat(handshake(port, certs, null)).as("no client certificate on " + port).contains("alert");
      assertThat(handshake(port, foreign, "node")).as("another CA's certificate on " + port).contains("alert");
    }

    // a node with another CA's certificate tries to join: refused, and the members say so
    String foreignConfig = config.replace(certs.toString(), foreign.toString());
    Path foreignFile = Files.writeString(tmp.resolve("foreign.yaml"), foreignConfig);
    int port = ProcessCluster.freePorts(1).get(0);
    intruder = DaemonProcess.serve(tmp.resolve("n4"), "--node-id", "n4", "--location", "site1/c4/r1/h4",
        "--cluster-port", String.valueOf(port), "--join", self.get("member").asText(), "--config", foreignFile.toString())
        .logTo(ProcessCluster.logsOf(test).resolve("n4.log"));
    intruder.launchWithoutWaiting();
    // JGroups logs each connection it could not accept, naming the TLS peer
    Poll.until("n1 logging the refused connection", SETTLE, () -> Optional.of(n1.log())
        .filter(l -> l.contains("failed accepting connection from peer SSLSocket")));
    assertThat(json(n1.cli("cluster", "status", "--json")).get("nodes")).extracting(n -> n.get("id").asText())
        .containsExactlyInAnyOrder("n1", "n2", "n3");

    // kill -9 of the primary: a survivor takes over over TLS and serves what was acknowledged
    n1.kill9();
    DaemonProcess n2 = cluster.node("n2");
    JsonNode failedOver = Poll.until("a new primary of v", SETTLE, () -> show(n2, "v")
        .filter(s -> !s.get("primary").asText().equals("n1") && s.get("epoch").asLong() > epoch));
    DaemonProcess survivor = failedOver.get("primary").asText().equals("n2") ? cluster.node("n3") : n2;
    Poll.until("v served through " + survivor.info().nodeId(), SETTLE, () -> Optional.of(
        Tools.run(30, "qemu-io", "-f", "raw", "-c", "read -P 0x3c 0 8M", survivor.nbdUrl("v"))).filter(r -> r.exit() == 0
        && !r.output().contains("Pattern verification failed")));
    Tools.run(120, "qemu-io", "-f", "raw", "-c", "write -P 0x7e 8M 4M", "-c", "flush", survivor.nbdUrl("v")).ok();
    assertThat(Tools.run(60, "qemu-io", "-f", "raw", "-c", "read -P 0x7e 8M 4M", n2.nbdUrl("v")).ok().output())
        .doesNotContain("Pattern verification failed");
  }

  /** openssl's view of a TLS handshake with the port, offering {@code name}'s certificate from {@code dir} (or none). */
  private static String handshake(String port, Path dir, String name) {
    String cert = name == null ? "" : " -cert " + dir.resolve(name + ".pem") + " -key " + dir.resolve(name + ".key");
    // The server's verdict on the client's certificate comes after the handshake in TLS 1.3: a short read shows it.
    return Tools.run(30, "sh", "-c", "sleep 1 | openssl s_client -connect 127.0.0.1:" + port + " -CAfile "
        + dir.resolve("ca.pem") + cert + " -verify_ip 127.0.0.1 2>&1").output();
  }

  private static String certsInit(Path dir) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = Main.run(new String[] {"certs", "init", dir.toString(), "--node", "node"}, new PrintWriter(out),
        new PrintWriter(err));
    return status + ":" + (status == 0 ? out : err).toString().lines().findFirst().orElse("");
  }

  private static Optional<JsonNode> show(DaemonProcess via, String volume) {
    return via.cliIfOk("volume", "show", volume, "--json").map(ProcessCluster::json);
  }

  private static JsonNode json(String text) {
    return ProcessCluster.json(text);
  }

  private static JsonNode node(JsonNode status, String id) {
    for (JsonNode n : status.get("nodes")) {
      if (n.get("id").asText().equals(id)) {
        return n;
      }
    }
    throw new AssertionError("no node " + id + " in " + status);
  }

  private static String portOf(String address) {
    return address.substring(address.lastIndexOf(':') + 1);
  }
}
