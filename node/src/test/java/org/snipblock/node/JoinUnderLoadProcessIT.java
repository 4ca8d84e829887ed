package org.snipblock.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.snipblock.node.testing.ClusterWatch.awaitInSync;
import static org.snipblock.node.testing.ClusterWatch.show;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.node.testing.DaemonProcess;
import org.snipblock.node.testing.Fio;
import org.snipblock.node.testing.Poll;
import org.snipblock.node.testing.ProcessCluster;
import org.snipblock.node.testing.ProcessClusters;
import org.snipblock.node.testing.Tools;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node joins, each daemon its own JVM on 127.0.0.1, while fio writes with verification through
 * another node's NBD door: the leader's automatic rebalance moves copies onto the newcomer (shown
 * under way, with the primary's resync progress, by {@code cluster moves}, the dashboard's state and
 * {@code volume show});
 * fio sees no failed request and reads back every block; every stripe keeps three distinct copies
 * and every copy verifies.
 */
class JoinUnderLoadProcessIT {
  private static final Logger log = LoggerFactory.getLogger(JoinUnderLoadProcessIT.class);

  @TempDir Path tmp;
  @RegisterExtension final ProcessClusters clusters = new ProcessClusters();

  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void aNodeJoiningUnderAVerifiedFioLoadTakesCopiesWithoutAFailedRequest() throws IOException {
    Tools.require("fio");
    // 256 KiB/s per resync: a 1 MiB stripe takes seconds to move, long enough to be seen moving.
    // A 256 MiB capacity: the newcomer's empty 6 MiB is 2.3 points of it, over the 1% margin.
    ProcessCluster cluster = clusters.start("""
        http-port: 0
        store:
          snippet-size: 1M
          capacity: 256M
        cluster:
          replication:
            failover-delay: 2s
            resync-rate: 256K
          relocation:
            rebalance-margin: 1%
        """, 3);
    DaemonProcess n1 = cluster.node("n1");
    DaemonProcess n2 = cluster.node("n2");
    DaemonProcess n3 = cluster.node("n3");
    n1.cli("volume", "create", "jl", "--size", "6M", "--copies", "3", "--min-copies", "2", "--mode", "sync");
    awaitInSync(n2, "jl");

    long writesBefore = show(n2, "jl").orElseThrow().get("io").get("writes").asLong();
    Process load = fio(n2.nbdUrl("jl"));
    try {
      Poll.until("the write load running", Duration.ofSeconds(30), () -> show(n2, "jl")
          .filter(v -> v.get("io").get("writes").asLong() > writesBefore + 8));
      cluster.join(tmp.resolve("n4"), "n4", "site1/c4/r1/h4");

      // Seen under way, cluster-wide and on the volume, with the primary's resync progress.
      JsonNode moving = Poll.until("a copy moving to n4 with its progress reported", Duration.ofSeconds(60), () -> {
        JsonNode moves = ProcessCluster.json(n3.cli("cluster", "moves", "--json")).get("moving");
        return StreamSupport.stream(moves.spliterator(), false).filter(m -> m.get("to").asText().equals("n4")
            && m.get("volume").asText().equals("jl") && m.hasNonNull("progress")).findFirst();
      });
      log.info("cluster moves --json showed: {}", moving);
      assertThat(moving.get("snippets").asLong()).isEqualTo(1);
      assertThat(moving.get("progress").get("snippetsTotal").asLong()).isPositive();
      JsonNode dashboard = Poll.until("the dashboard's state listing a move to n4", Duration.ofSeconds(60), () -> {
        JsonNode moves = ProcessCluster.json(get(n3, "/api/state")).path("cluster").path("moving");
        return StreamSupport.stream(moves.spliterator(), false).filter(m -> m.path("to").asText().equals("n4"))
            .findFirst();
      });
      assertThat(dashboard.path("volume").asText()).isEqualTo("jl");
      String shown = Poll.until("volume show listing a move to n4", Duration.ofSeconds(60), () -> Optional
          .of(n2.cli("volume", "show", "jl")).filter(t -> t.contains("moving:") && t.contains(" -> n4: ")));
      log.info("volume show jl during the rebalance:\n{}", shown);
      assertThat(shown).containsPattern("moving: +stripe \\d+ \\(1 snippet\\) n[23] -> n4: ");

      assertThat(Tools.waitFor(load, 120)).as("fio saw no failed request and verified every block; see %s",
          clusters.logs().resolve("fio.log")).isZero();
    } finally {
      load.destroyForcibly();
    }
    assertThat(Files.readString(clusters.logs().resolve("fio.log"))).contains("err= 0").contains("read: IOPS");

    // The rebalance runs to its end (its plan empty): n4 holds its share, every stripe three in-sync copies.
    Poll.until("the rebalance done: n4 holding its share, nothing moving", Duration.ofSeconds(60), () -> {
      if (!n3.cli("cluster", "rebalance", "--dry-run").endsWith("nothing to move\n")) {
        return Optional.empty();
      }
      JsonNode v = show(n2, "jl").orElseThrow();
      List<List<String>> holders = StreamSupport.stream(v.get("snippetReplicas").spliterator(), false)
          .map(h -> StreamSupport.stream(h.spliterator(), false).map(JsonNode::asText).toList()).toList();
      boolean even = holders.stream().filter(h -> h.contains("n4")).count() >= 3;
      return Optional.of(v).filter(x -> even && x.get("stale").isEmpty() && x.get("moving").isEmpty()
          && holders.stream().allMatch(h -> h.size() == 3 && Set.copyOf(h).size() == 3));
    });
    assertThat(n3.cli("cluster", "moves")).isEqualTo("no copy is moving\n");
    JsonNode verified = ProcessCluster.json(n1.cli("volume", "verify", "jl", "--json"));
    assertThat(verified.get("clean").asBoolean()).as("%s", verified).isTrue();
  }

  private static String get(DaemonProcess node, String path) {
    try {
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(node.info().httpUrl()
          + path)).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as("GET %s", path).isEqualTo(200);
      return r.body();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Random writes over the whole volume at a bounded rate (about 24 s), then a read of every block checked by CRC. */
  private Process fio(String nbdUrl) throws IOException {
    return Fio.background("join", nbdUrl, clusters.logs().resolve("fio.log"), "--rw=randwrite",
        "--bs=16k", "--iodepth=4", "--size=6M", "--rate=256k", "--verify=crc32c", "--do_verify=1",
        "--verify_fatal=1", "--verify_state_save=0");
  }
}
