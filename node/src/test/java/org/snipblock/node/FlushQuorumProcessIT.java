package org.snipblock.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.snipblock.node.testing.DaemonProcess;
import org.snipblock.node.testing.NbdWriter;
import org.snipblock.node.testing.Poll;
import org.snipblock.node.testing.ProcessCluster;
import org.snipblock.node.testing.ProcessClusters;

/**
 * A FLUSH is durable on min-copies holders of every snippet written since the previous flush, not
 * on any min-copies replicas of the volume: with two copies over three daemons, a flush after a
 * write to a snippet held by the primary and B must wait for B's flush even though A (holding other
 * snippets) answers at once. B is frozen with SIGSTOP, for less than the membership's failure
 * detection (about 5 s), so it is slow, not gone.
 */
class FlushQuorumProcessIT {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(FlushQuorumProcessIT.class);
  private static final int SNIPPET = 4 << 20;

  @RegisterExtension final ProcessClusters clusters = new ProcessClusters();
  private ProcessCluster cluster;

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void aFlushWaitsForTheHoldersOfWhatWasWritten() throws Exception {
    Path logs = clusters.logs();
    cluster = clusters.start("");
    // Placement gives copies only to nodes that reported room: wait for every node's first report.
    Poll.until("every node's capacity reported", Duration.ofSeconds(60), () -> cluster.node("n1")
        .cliIfOk("cluster", "status", "--json").map(ProcessCluster::json)
        .filter(st -> st.get("nodes").size() == 3 && java.util.stream.StreamSupport.stream(st.get("nodes").spliterator(),
            false).allMatch(n -> n.path("capacityBytes").asLong() > n.path("usedBytes").asLong())));
    JsonNode created = ProcessCluster.json(cluster.node("n1").cli("volume", "create", "fq", "--size", "32M",
        "--snippet-size", "4M", "--copies", "2", "--min-copies", "2", "--mode", "sync", "--json"));
    String primary = created.get("primary").asText();
    JsonNode shown = ProcessCluster.json(cluster.node("n1").cli("volume", "show", "fq", "--json"));
    List<String> others = new ArrayList<>();
    int written = -1;
    String slow = null;
    JsonNode replicas = shown.get("snippetReplicas");
    for (int i = 0; i < replicas.size(); i++) {
      for (JsonNode n : replicas.get(i)) {
        if (!n.asText().equals(primary) && !others.contains(n.asText())) {
          others.add(n.asText());
          if (slow == null) {
            slow = n.asText();
            written = i;
          }
        }
      }
    }
    assertThat(others).as("the snippets' second copies fan out over both other nodes: %s", replicas).hasSize(2);
    DaemonProcess holder = cluster.node(slow);

    try (NbdWriter client = NbdWriter.start(logs.resolve("client.err"))) {
      assertThat(client.call("connect " + cluster.node(primary).nbdUrl("fq"), 60)).isNull();
      long block = (long) written * SNIPPET / NbdWriter.BLOCK;
      assertThat(client.call("write " + block + " 4 1", 60)).as("a write to snippet %d (held by %s and %s)",
          written, primary, slow).isNull();
      assertThat(client.call("write " + block + " 4 2", 60)).isNull();

      long unfrozenStart = System.nanoTime();
      assertThat(client.call("flush", 60)).isNull();
      log.info("a flush with every holder running took {} ms", (System.nanoTime() - unfrozenStart) / 1_000_000);
      assertThat(client.call("write " + block + " 4 3", 60)).isNull();

      holder.pause();
      long frozen = System.nanoTime();
      CompletableFuture<String> flush;
      try {
        flush = CompletableFuture.supplyAsync(() -> {
          try {
            return client.call("flush", 120);
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
        // The other replica acknowledges its flush at once; only the frozen holder's is missing.
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> flush.get(2500, TimeUnit.MILLISECONDS))
            .as("the flush completed while %s, a holder of the written snippet, was frozen", slow)
            .isInstanceOf(TimeoutException.class);
      } finally {
        holder.resume();
        log.info("{} resumed after {} ms", slow, (System.nanoTime() - frozen) / 1_000_000);
      }
      assertThat(flush.get(60, TimeUnit.SECONDS)).as("the flush once %s runs again", slow).isNull();
      log.info("the flush completed {} ms after the freeze", (System.nanoTime() - frozen) / 1_000_000);
    }
  }
}
