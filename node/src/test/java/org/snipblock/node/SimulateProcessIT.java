package org.snipblock.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.snipblock.node.testing.DaemonProcess;
import org.snipblock.node.testing.Poll;
import org.snipblock.node.testing.ProcessCluster;
import org.snipblock.node.testing.ProcessClusters;
import org.snipblock.node.testing.Tools;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code cluster simulate --fail compartment C} against what happens when C's node process is
 * killed: the volumes the report calls unavailable are the ones a write (qemu-io over NBD) then
 * fails on, and the ones it says lose redundancy still take writes with a copy unreachable.
 */
class SimulateProcessIT {
  private static final Logger log = LoggerFactory.getLogger(SimulateProcessIT.class);

  @RegisterExtension final ProcessClusters clusters = new ProcessClusters();
  private ProcessCluster cluster;

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void theReportAgreesWithKillingTheCompartment() throws IOException {
    Tools.require("qemu-io");
    cluster = clusters.start("""
        cluster:
          replication:
            ack-timeout: 3s
        """);
    DaemonProcess n1 = cluster.node("n1");
    n1.cli("volume", "create", "all3", "--size", "4M", "--copies", "3", "--min-copies", "2", "--mode", "sync");
    n1.cli("volume", "create", "pair", "--size", "4M", "--copies", "2", "--min-copies", "2", "--mode", "sync");
    n1.cli("volume", "create", "solo", "--size", "4M", "--copies", "1", "--min-copies", "1", "--mode", "sync");
    for (String v : List.of("all3", "pair", "solo")) {
      Poll.until(v + " in sync", Duration.ofSeconds(60), () -> n1.cliIfOk("volume", "show", v, "--json")
          .map(ProcessCluster::json).filter(j -> j.get("stale").isEmpty() && j.get("unreachable").isEmpty()));
    }
    String victim = StreamSupport.stream(show(n1, "pair").get("snippetReplicas").get(0).spliterator(), false)
        .map(JsonNode::asText).filter(n -> !n.equals("n1")).findFirst().orElseThrow();
    String compartment = "c" + victim.substring(1);

    assertThat(n1.cliError("cluster", "simulate", "--fail", "compartment", "c9").strip())
        .isEqualTo("snipblock: no compartment named c9 in the cluster (known: c1, c2, c3)");
    String text = n1.cli("cluster", "simulate", "--fail", "compartment", compartment);
    log.info("cluster simulate answered:\n{}", text);
    assertThat(text).startsWith("if compartment " + compartment + " failed (nodes " + victim + "):")
        .contains("unavailable:").contains("  pair: 1 of 2 copies left (min 2)");
    JsonNode report = ProcessCluster.json(n1.cli("cluster", "simulate", "--fail", "compartment", compartment,
        "--json"));
    List<String> unavailable = names(report.get("unavailable"));
    List<String> degraded = names(report.get("degraded"));
    assertThat(report.get("failedNodes")).extracting(JsonNode::asText).containsExactly(victim);
    assertThat(report.get("bytesToRereplicate").asLong()).isPositive();

    cluster.node(victim).kill9();
    Poll.until(victim + " DOWN", Duration.ofSeconds(60), () -> n1.cliIfOk("cluster", "status", "--json")
        .map(ProcessCluster::json).filter(s -> ProcessCluster.upNodes(s) == 2));
    log.info("cluster status after the kill:\n{}", n1.cli("cluster", "status"));
    List<String> writesFail = new ArrayList<>();
    List<String> redundancyLost = new ArrayList<>();
    for (String v : List.of("all3", "pair", "solo")) {
      Tools.Run write = Tools.run(60, "qemu-io", "-f", "raw", "-c", "write -P 0x5a 0 64k", n1.nbdUrl(v));
      if (!write.output().contains("wrote 65536/65536 bytes")) {
        writesFail.add(v);
      } else if (!show(n1, v).get("unreachable").isEmpty()) {
        redundancyLost.add(v);
      }
    }
    assertThat(writesFail).as("volumes that stopped taking writes").containsExactlyElementsOf(unavailable);
    assertThat(redundancyLost).as("volumes serving with a copy gone").containsExactlyElementsOf(degraded);
    assertThat(unavailable).containsExactly("pair");
  }

  private static List<String> names(JsonNode list) {
    return new ArrayList<>(new TreeSet<>(StreamSupport.stream(list.spliterator(), false)
        .map(v -> v.get("name").asText()).toList()));
  }

  private static JsonNode show(DaemonProcess via, String volume) {
    return ProcessCluster.json(via.cli("volume", "show", volume, "--json"));
  }
}
