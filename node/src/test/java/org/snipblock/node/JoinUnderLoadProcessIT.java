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
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
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
 * A node joins a cluster of four, each daemon its own JVM on 127.0.0.1, while fio writes with
 * verification through another node's NBD door: the leader's automatic rebalance moves copies onto
 * the newcomer (shown under way, with the primary's resync progress, by {@code cluster moves}, the
 * dashboard's state and {@code volume show}) until it holds a fair share, within a bounded time; fio
 * sees no failed request and reads back every block; every stripe keeps three distinct copies and
 * every copy verifies.
 */
class JoinUnderLoadProcessIT {
  private static final Logger log = LoggerFactory.getLogger(JoinUnderLoadProcessIT.class);

  @TempDir Path tmp;
  @RegisterExtension final ProcessClusters clusters = new ProcessClusters();

  /**
   * The newcomer's fair share, as the automatic rebalance guarantees it: the margin only starts it
   * (the empty newcomer against the primary, which holds every stripe: 6 MiB of 256 MiB is 2.3
   * points, over the 2 % margin; before the join no node that holds a copy is that far below the
   * primary, so nothing moves early); once started it plans again after every move until the plan is
   * empty, and the plan moves a copy while two nodes in service differ by two copies or more. The
   * primary's copies stay (they move with a handover), so the other copies end evenly on the four
   * other nodes: n5 within one copy of each of them. With 6 stripes of 3 copies that is 3 on each,
   * more than half of the 3.6 copies per node of the five.
   */
  private static final double MARGIN_PERCENT = 2;
  /** From n5's start: three moves of 1 MiB at 256 KiB/s are 12 s of copying; the rest is slack for a loaded machine. */
  private static final Duration FAIR_SHARE_WITHIN = Duration.ofSeconds(100);

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void aFifthNodeJoiningUnderAVerifiedFioLoadTakesItsFairShareWithoutAFailedRequest() throws IOException {
    Tools.require("fio");
    // 256 KiB/s per resync: a 1 MiB stripe takes seconds to move, long enough to be seen moving.
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
            rebalance-margin: %s%%
        """.formatted((int) MARGIN_PERCENT), 4);
    DaemonProcess n1 = cluster.node("n1");
    DaemonProcess n2 = cluster.node("n2");
    DaemonProcess n3 = cluster.node("n3");
    n1.cli("volume", "create", "jl", "--size", "6M", "--copies", "3", "--min-copies", "2", "--mode", "sync");
    awaitInSync(n2, "jl");
    assertThat(show(n2, "jl").orElseThrow().get("primary").asText()).isEqualTo("n1");

    long writesBefore = show(n2, "jl").orElseThrow().get("io").get("writes").asLong();
    Process load = fio(n2.nbdUrl("jl"));
    long joined;
    try {
      Poll.until("the write load running", Duration.ofSeconds(30), () -> show(n2, "jl")
          .filter(v -> v.get("io").get("writes").asLong() > writesBefore + 8));
      joined = System.nanoTime();
      cluster.join(tmp.resolve("n5"), "n5", "site1/c5/r1/h5");

      // Seen under way, cluster-wide and on the volume, with the primary's resync progress: each view
      // may catch a different one of the moves, as each lasts only seconds.
      MovesSeen seen = Poll.until("a copy moving to n5 in cluster moves (with its progress), the dashboard and "
          + "volume show", Duration.ofSeconds(60), new MovesSeen(n2, n3)::probe);
      log.info("cluster moves --json showed: {}", seen.moving);
      log.info("volume show jl during the rebalance:\n{}", seen.shown);
      assertThat(seen.moving.get("snippets").asLong()).isEqualTo(1);
      assertThat(seen.moving.get("progress").get("snippetsTotal").asLong()).isPositive();
      assertThat(seen.dashboard.path("volume").asText()).isEqualTo("jl");
      assertThat(seen.shown).containsPattern("moving: +stripe \\d+ \\(1 snippet\\) n[234] -> n5: ");

      assertThat(Tools.waitFor(load, 120)).as("fio saw no failed request and verified every block; see %s",
          clusters.logs().resolve("fio.log")).isZero();
    } finally {
      load.destroyForcibly();
    }
    assertThat(Files.readString(clusters.logs().resolve("fio.log"))).contains("err= 0").contains("read: IOPS");

    // Within the bound n5 holds its fair share, every stripe three in-sync copies, nothing moving; all
    // as n3 sees it (another node's copy of the metadata may be a commit behind). The plan is then empty.
    Duration left = FAIR_SHARE_WITHIN.minusNanos(System.nanoTime() - joined);
    AtomicReference<JsonNode> last = new AtomicReference<>();
    try {
      Poll.until("n5 holding its fair share within " + FAIR_SHARE_WITHIN.toSeconds() + " s of its start",
          left.isNegative() ? Duration.ZERO : left, () -> show(n3, "jl").map(v -> {
            last.set(v);
            return v;
          }).filter(v -> v.get("stale").isEmpty() && v.get("moving").isEmpty() && fairShare(holders(v))));
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; last seen: " + Optional.ofNullable(last.get())
          .map(v -> held(holders(v)) + " holding " + v.get("snippetReplicas") + ", moving " + v.get("moving"))
          .orElse("nothing"), e);
    }
    log.info("n5 held its fair share {} s after its start: {}", (System.nanoTime() - joined) / 1_000_000_000,
        held(holders(last.get())));
    assertThat(n3.cli("cluster", "rebalance", "--dry-run")).endsWith("nothing to move\n");
    assertThat(n3.cli("cluster", "moves")).isEqualTo("no copy is moving\n");
    JsonNode verified = ProcessCluster.json(n1.cli("volume", "verify", "jl", "--json"));
    assertThat(verified.get("clean").asBoolean()).as("%s", verified).isTrue();
    // The moves' resyncs and the verify asked the primary's background budget for what they sent and compared.
    JsonNode background = ProcessCluster.json(n1.cli("status", "--json")).get("background");
    log.info("n1's background budget after the rebalance: {}", background);
    assertThat(background.get("grantedBytes").asLong()).as("%s", background).isGreaterThanOrEqualTo(6L << 20);
    assertThat(background.get("maxBytesPerSecond").asLong()).isEqualTo(org.snipblock.store.StoreConfig.DEFAULT_BACKGROUND_RATE);
    // Every node shows it in cluster status, as n1 reports it with its usage every 2 s.
    JsonNode reported = Poll.until("n1's budget in n3's cluster status", Duration.ofSeconds(10), () -> StreamSupport
        .stream(ProcessCluster.json(n3.cli("cluster", "status", "--json")).get("nodes").spliterator(), false)
            .filter(n -> n.get("id").asText().equals("n1"))
            .filter(n -> n.path("background").path("grantedBytes").asLong() >= 6L << 20).findFirst());
    assertThat(reported.get("background").get("maxBytesPerSecond").asLong())
        .isEqualTo(org.snipblock.store.StoreConfig.DEFAULT_BACKGROUND_RATE);
    assertThat(n3.cli("cluster", "status")).contains("background work (each node's budget, as it last reported it):");
  }

  private static List<List<String>> holders(JsonNode volume) {
    return StreamSupport.stream(volume.get("snippetReplicas").spliterator(), false)
        .map(h -> StreamSupport.stream(h.spliterator(), false).map(JsonNode::asText).toList()).toList();
  }

  /** Copies held per node. */
  private static Map<String, Long> held(List<List<String>> holders) {
    return holders.stream().flatMap(List::stream)
        .collect(Collectors.groupingBy(n -> n, TreeMap::new, Collectors.counting()));
  }

  /**
   * Every stripe three distinct copies, the primary n1 one of each; n5 within one copy of every
   * other node (the primary's copies stay), and at least half of the average copies per node.
   */
  private static boolean fairShare(List<List<String>> holders) {
    if (holders.size() != 6 || !holders.stream().allMatch(h -> h.size() == 3 && Set.copyOf(h).size() == 3)) {
      return false;
    }
    Map<String, Long> held = held(holders);
    long n5 = held.getOrDefault("n5", 0L);
    return held.getOrDefault("n1", 0L) == 6 && 2 * n5 >= 18 / 5.0
        && List.of("n2", "n3", "n4").stream().allMatch(n -> Math.abs(held.getOrDefault(n, 0L) - n5) <= 1);
  }

  /** What each view showed of a move to n5, once it showed one. */
  private static final class MovesSeen {
    private final DaemonProcess volumeDoor;
    private final DaemonProcess asked;
    JsonNode moving;
    JsonNode dashboard;
    String shown;

    MovesSeen(DaemonProcess volumeDoor, DaemonProcess asked) {
      this.volumeDoor = volumeDoor;
      this.asked = asked;
    }

    Optional<MovesSeen> probe() {
      if (moving == null) {
        JsonNode moves = ProcessCluster.json(asked.cli("cluster", "moves", "--json")).get("moving");
        moving = StreamSupport.stream(moves.spliterator(), false).filter(m -> m.get("to").asText().equals("n5")
            && m.get("volume").asText().equals("jl") && m.hasNonNull("progress")).findFirst().orElse(null);
      }
      if (dashboard == null) {
        JsonNode moves = ProcessCluster.json(get(asked, "/api/state")).path("cluster").path("moving");
        dashboard = StreamSupport.stream(moves.spliterator(), false).filter(m -> m.path("to").asText().equals("n5"))
            .findFirst().orElse(null);
      }
      if (shown == null) {
        shown = Optional.of(volumeDoor.cli("volume", "show", "jl"))
            .filter(t -> t.contains("moving:") && t.contains(" -> n5: ")).orElse(null);
      }
      return Optional.of(this).filter(s -> s.moving != null && s.dashboard != null && s.shown != null);
    }
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
