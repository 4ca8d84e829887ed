package org.snipblock.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.snipblock.node.testing.ClusterWatch.awaitServing;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.snipblock.node.admin.AdminClient;
import org.snipblock.node.testing.DaemonProcess;
import org.snipblock.node.testing.DashboardBrowser;
import org.snipblock.node.testing.Fio;
import org.snipblock.node.testing.Poll;
import org.snipblock.node.testing.ProcessCluster;
import org.snipblock.node.testing.ProcessClusters;
import org.snipblock.node.testing.PromQlNames;
import org.snipblock.node.testing.Tools;

/**
 * The operator's view of a running three-node cluster (separate JVMs): /metrics scraped while real
 * clients write through both doors, while a drain moves copies, and every metric the Grafana
 * dashboard in the repository queries exists there; the progress {@code volume set --wait} and
 * {@code volume verify} show; and the web dashboard, loaded in headless Chromium, shows the nodes
 * and a volume and follows a volume's creation and a failover.
 */
class OperatorViewProcessIT {
  private static final Path GRAFANA = Path.of("..", "grafana", "snipblock-dashboard.json");
  private static final Duration SETTLE = Duration.ofSeconds(60);
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  /** Each node's HTTP port on a free port; failover fast enough for a test. */
  private static final String NODE_CONFIG = """
      http-port: 0
      cluster:
        replication:
          failover-delay: 2s
      """;

  /**
   * As {@link #NODE_CONFIG}, with resyncs slow enough (1 MiB/s) that a copy move and a new copy are
   * seen under way: the volume holds about 2 MiB, which at 4 MiB/s a resync sent between two of the
   * CLI's polls (500 ms apart), and `volume set --wait` then had no progress to show.
   */
  private static final String SLOW_RESYNC_CONFIG = """
      http-port: 0
      cluster:
        replication:
          failover-delay: 2s
          resync-rate: 1M
      """;

  @RegisterExtension final ProcessClusters clusters = new ProcessClusters();
  private ProcessCluster cluster;
  private DashboardBrowser browser;
  /**
   * Every metric name the test's scrapes saw: some series exist only while their work runs (a copy
   * move's progress), and the dashboard may still query them.
   */
  private final Set<String> exposed = java.util.concurrent.ConcurrentHashMap.newKeySet();

  @AfterEach
  void stopAll() {
    if (browser != null) {
      browser.close();
    }
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void everyMetricOfTheGrafanaDashboardExistsOnARunningNode() throws Exception {
    Tools.require("qemu-io", "fio");
    Tools.requireQemuIscsi();
    Tools.requirePythonNbd();
    cluster = clusters.start(SLOW_RESYNC_CONFIG);
    DaemonProcess n1 = cluster.node("n1");
    n1.cli("volume", "create", "vm1", "--size", "16M", "--copies", "2", "--mode", "async");
    DaemonProcess primary = cluster.node(primaryOf(n1, "vm1"));
    awaitServing(primary, "vm1");
    scrapedDuringLoad(primary);
    moveSeenInTheGauges(primary);
    waitedForNewCopies(primary);
    Tools.run(60, "qemu-io", "-f", "raw", "-c", "write -P 0x5a 0 1M", "-c", "read -P 0x5a 0 1M", "-c", "flush",
        "-c", "discard 1M 1M", primary.nbdUrl("vm1")).ok();
    // Through another node's door: forwarded to the primary, which counts it under door "forwarded".
    DaemonProcess other = cluster.node(primary == n1 ? "n2" : "n1");
    Tools.run(60, "qemu-io", "-f", "raw", "-c", "write -P 0x6b 2M 64k", other.nbdUrl("vm1")).ok();
    // An error to count: a misaligned read, sent with the client's own checks off; the door leaves
    // alignment to the device, so the device refuses it and the meters see it.
    Tools.Run beyond = Tools.run(60, Tools.SYSTEM_PYTHON, "-c", """
        import nbd, sys
        h = nbd.NBD()
        h.set_strict_mode(0)
        h.connect_uri(sys.argv[1])
        try:
            h.pread(100, 1)
            print("misaligned read succeeded")
        except nbd.Error as e:
            print("refused:", e)
        """, primary.nbdUrl("vm1"));
    assertThat(beyond.output()).contains("refused");
    // Asked at the primary, which runs it: its progress into a pipe is plain lines, ending whole.
    DaemonProcess.CliRun verified = primary.cliWithProgress("volume", "verify", "vm1");
    assertThat(verified.out()).contains("all copies agree");
    List<String> verifying = verified.err().lines().toList();
    assertThat(verifying).as(verified.err()).isNotEmpty().allMatch(l -> l.startsWith("verify vm1: "), "a progress line");
    assertThat(verifying.get(verifying.size() - 1)).startsWith("verify vm1: 100% ");

    assertThat(primary.cliError("volume", "show", "no-such-volume")).contains("no-such-volume");
    String metrics = scrape(primary);
    JsonNode dashboard = ProcessCluster.json(Files.readString(GRAFANA));
    Set<String> queried = new TreeSet<>();
    for (JsonNode panel : dashboard.get("panels")) {
      for (JsonNode target : panel.get("targets")) {
        queried.addAll(PromQlNames.of(target.get("expr").asText()));
      }
    }
    for (JsonNode variable : dashboard.at("/templating/list")) {
      if (variable.has("query") && variable.get("type").asText().equals("query")) {
        queried.addAll(PromQlNames.of(variable.get("query").asText()));
      }
    }
    assertThat(queried).as("the dashboard's metrics").hasSizeGreaterThan(15)
        .contains("snipblock_volume_io_seconds_bucket", "snipblock_volume_replication_lag_bytes",
            "snipblock_peer_rtt_seconds", "snipblock_resync_progress_ratio", "snipblock_volume_io_errors_total");
    assertThat(exposed).as("metric names on %s's /metrics in this run (a move's while it ran)",
        primary.info().nodeId()).containsAll(queried);
    assertThat(metrics).contains("snipblock_volume_io_errors_total{door=\"nbd\",kind=\"INVALID\",op=\"read\"")
        .contains("snipblock_resync_progress_ratio{peer=")
        .contains("snipblock_volume_io_seconds_count{door=\"forwarded\",op=\"write\",volume=\"vm1\"}")
        .contains("snipblock_volume_info{mode=\"async\",primary=\"" + primary.info().nodeId() + "\",volume=\"vm1\"} 1")
        // The node's own time for the admin calls it answered: the verify, and the show it refused.
        .contains("snipblock_admin_call_seconds_count{method=\"VerifyVolume\",status=\"OK\"}")
        .contains("snipblock_admin_call_seconds_count{method=\"ShowVolume\",status=\"NOT_FOUND\"}");
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void theDashboardShowsTheClusterAndFollowsAVolumeAndAFailover() throws Exception {
    browser = DashboardBrowser.start();
    cluster = clusters.start(NODE_CONFIG);
    DaemonProcess n1 = cluster.node("n1");
    // The volume's primary is chosen by placement; watch from a node that is kept, n3 unless it is primary.
    browser.open(n1.info().httpUrl() + "/");
    browser.shown("three nodes UP", ".node[data-state=UP]", 3);
    assertThat(browser.texts(".node b")).containsExactlyInAnyOrder("n1", "n2", "n3");
    assertThat(browser.texts("#rtt td.heat")).as("3x3 round-trip matrix").hasSize(9);
    assertThat(browser.texts("#volumes tbody tr")).isEmpty();

    n1.cli("volume", "create", "web1", "--size", "8M", "--copies", "3", "--mode", "sync");
    browser.shown("volume web1", "tr[data-volume=web1]", 1);
    String primary = browser.texts("tr[data-volume=web1] .primary").get(0);
    assertThat(primary).isIn("n1", "n2", "n3");
    assertThat(browser.texts("tr[data-volume=web1] .qos")).containsExactly("none");
    n1.cli("volume", "set", "web1", "--qos", "iops-total=500");
    Poll.until("web1's limits on the page", SETTLE, () -> Optional.of(browser.texts("tr[data-volume=web1] .qos"))
        .filter(q -> q.size() == 1 && q.get(0).startsWith("iops-total=500")));
    // A task as the hypervisor adapter records it (one of three steps done), and a record that is
    // not a task the page can read: it is left out, the rest of the page still draws.
    try (AdminClient admin = new AdminClient(n1.info().adminAddress())) {
      admin.putRecord("task", "t-17", """
          {"id":"t-17","kind":"migrate","vm":"db1","state":"running","updated":%d,
           "steps":[{"name":"reserve h2","state":"done"},{"name":"start target","state":"running"},
                    {"name":"move memory","state":"pending"}]}""".formatted(System.currentTimeMillis())
          .getBytes(java.nio.charset.StandardCharsets.UTF_8), 0);
      admin.putRecord("task", "t-bad", "not json".getBytes(java.nio.charset.StandardCharsets.UTF_8), 0);
    }
    browser.shown("task t-17", "tr[data-task=t-17]", 1);
    assertThat(browser.texts("tr[data-task=t-17] td")).containsExactly("t-17", "migrate", "db1", "running", "1 / 3",
        "start target (running)");
    assertThat(browser.texts("tr[data-task]")).hasSize(1);
    browser.screenshot("dashboard.png");

    // Watch from a node that survives; kill the primary and see it go DOWN and the primary move.
    DaemonProcess watcher = cluster.node(primary.equals("n3") ? "n2" : "n3");
    browser.open(watcher.info().httpUrl() + "/");
    browser.shown("volume web1 on " + watcher.info().nodeId() + "'s page", "tr[data-volume=web1]", 1);
    cluster.node(primary).kill9();
    browser.shown(primary + " DOWN", ".node[data-node=" + primary + "][data-state=DOWN]", 1);
    String next = Poll.until("a new primary of web1 on the page", SETTLE, () -> browser
        .texts("tr[data-volume=web1] .primary")
        .stream().filter(p -> !p.isEmpty() && !p.equals(primary)).findFirst());
    assertThat(next).isIn("n1", "n2", "n3").isNotEqualTo(primary);
    browser.screenshot("dashboard-failover.png");

    // The same failover in the gauges a Prometheus alert would watch, scraped from the new primary.
    DaemonProcess serving = cluster.node(next);
    String metrics = Poll.until("the failover in " + next + "'s gauges", SETTLE, () -> {
      try {
        return Optional.of(get(serving, "/metrics")).filter(m -> m.contains("snipblock_node_up{node=\"" + primary + "\"} 0")
            && m.contains("snipblock_volume_info{mode=\"sync\",primary=\"" + next + "\",volume=\"web1\"} 1"));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    assertThat(metrics).as("the new primary reports the lag of its replicas")
        .contains("snipblock_volume_replication_lag_bytes{volume=\"web1\"}")
        .contains("snipblock_node_up{node=\"" + next + "\"} 1");
  }

  /**
   * What a Prometheus server sees while clients work: fio through the NBD door and qemu-img bench
   * through the iSCSI door (Debian's fio has no libiscsi engine) write vm1 while /metrics is
   * scraped twice; each door's write count rises between the scrapes and a latency bucket below
   * +Inf has counted requests. Both loads are bounded in time and stopped after the second scrape.
   */
  private void scrapedDuringLoad(DaemonProcess primary) throws Exception {
    Process fio = Fio.background("scrape", primary.nbdUrl("vm1"), clusters.logs().resolve("fio.log"),
        "--rw=randwrite", "--bs=4k", "--iodepth=4", "--size=16M", "--time_based", "--runtime=90");
    Process bench = new ProcessBuilder("timeout", "90", "qemu-img", "bench", "-f", "raw", "-w", "-c", "10000000",
        "-d", "4", "-s", "4096", primary.iscsiUrl("vm1")).redirectErrorStream(true)
        .redirectOutput(clusters.logs().resolve("qemu-img-bench.log").toFile()).start();
    try {
      String nbdWrites = "snipblock_volume_io_seconds_count{door=\"nbd\",op=\"write\",volume=\"vm1\"}";
      String iscsiWrites = "snipblock_volume_io_seconds_count{door=\"iscsi\",op=\"write\",volume=\"vm1\"}";
      String first = Poll.until("writes through both doors on /metrics", SETTLE, () -> Optional.of(scrape(primary))
          .filter(m -> sample(m, nbdWrites) > 0 && sample(m, iscsiWrites) > 0));
      String second = Poll.until("both doors' write counts rising", SETTLE, () -> Optional.of(scrape(primary))
          .filter(m -> sample(m, nbdWrites) > sample(first, nbdWrites)
              && sample(m, iscsiWrites) > sample(first, iscsiWrites)));
      assertThat(fio.isAlive() && bench.isAlive()).as("the loads still ran at the second scrape; see %s",
          clusters.logs()).isTrue();
      for (String door : new String[] {"nbd", "iscsi"}) {
        String bucket = "snipblock_volume_io_seconds_bucket{door=\"" + door + "\",op=\"write\",volume=\"vm1\",le=\"";
        assertThat(second.lines().filter(l -> l.startsWith(bucket) && !l.startsWith(bucket + "+Inf"))
            .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).max().orElse(0))
            .as("a %s write latency bucket below +Inf", door).isPositive();
      }
    } finally {
      fio.destroy();
      bench.destroy();
      Tools.waitFor(fio, 30);
      Tools.waitFor(bench, 30);
    }
  }

  /**
   * A drain of vm1's other holder moves its copies to the third node: while they move, every node's
   * /metrics shows how far (snipblock_move_progress_ratio, as the dashboard's "Copy moves"); the
   * node is put back in service after.
   */
  private void moveSeenInTheGauges(DaemonProcess primary) {
    String self = primary.info().nodeId();
    JsonNode vm1 = ProcessCluster.json(primary.cli("volume", "show", "vm1", "--json"));
    java.util.Map<String, Integer> held = new java.util.TreeMap<>();
    for (JsonNode snippet : vm1.get("snippetReplicas")) {
      snippet.forEach(n -> held.merge(n.asText(), n.asText().equals(self) ? 0 : 1, Integer::sum));
    }
    String drained = held.entrySet().stream().max(java.util.Map.Entry.comparingByValue()).orElseThrow().getKey();
    assertThat(held.get(drained)).as("copies of vm1 off its primary %s: %s", self, held).isPositive();
    primary.cli("node", "drain", drained, "--no-wait");
    String series = "snipblock_move_progress_ratio{from=\"" + drained + "\",to=\"";
    String moving = Poll.until("vm1's copy move from " + drained + " on /metrics", SETTLE, () -> scrape(primary)
        .lines().filter(l -> l.startsWith(series) && l.contains(",volume=\"vm1\"} ")).findFirst());
    assertThat(Double.parseDouble(moving.substring(moving.lastIndexOf(' ') + 1))).isBetween(0.0, 1.0);
    primary.cli("node", "drain", drained);
    primary.cli("node", "undrain", drained);
    Poll.until("no move left on /metrics once the drain is done", SETTLE, () -> Optional.of(scrape(primary))
        .filter(m -> !m.contains(series)));
  }

  /**
   * {@code volume set --copies 3 --wait} through vm1's primary: progress of the new copy's resync on
   * stderr as plain lines (stderr being no terminal here), then again as JSON lines with --json
   * after the third copy is dropped; each returns once every copy is in sync.
   */
  private void waitedForNewCopies(DaemonProcess primary) {
    DaemonProcess.CliRun plain = primary.cliWithProgress("volume", "set", "vm1", "--copies", "3", "--wait");
    List<String> lines = plain.err().lines().toList();
    assertThat(lines).as(plain.err()).isNotEmpty().allMatch(l -> l.matches("sync vm1: \\d+% .*"), "a progress line");
    assertThat(lines.get(lines.size() - 1)).startsWith("sync vm1: 100% 16 MiB, ").contains("/s");
    assertThat(plain.err()).doesNotContain("\r");
    JsonNode synced = ProcessCluster.json(primary.cli("volume", "show", "vm1", "--json"));
    assertThat(synced.get("stale")).as("%s", synced).isEmpty();
    assertThat(synced.get("snippetReplicas")).allSatisfy(s -> assertThat(s).hasSize(3));

    primary.cli("volume", "set", "vm1", "--copies", "2");
    DaemonProcess.CliRun json = primary.cliWithProgress("volume", "set", "vm1", "--copies", "3", "--wait", "--json");
    List<JsonNode> progress = json.err().lines().map(ProcessCluster::json).toList();
    assertThat(progress).as(json.err()).isNotEmpty()
        .allSatisfy(l -> assertThat(l.get("progress").asText()).isEqualTo("sync vm1"));
    JsonNode last = progress.get(progress.size() - 1);
    assertThat(last.get("percent").asInt()).isEqualTo(100);
    assertThat(last.get("bytes").asLong()).isEqualTo(16L << 20);
    assertThat(ProcessCluster.json(json.out()).get("summary").asText()).isNotEmpty();
  }

  /** The value of the one sample named exactly {@code series} (name and labels); 0 when absent. */
  private static double sample(String metrics, String series) {
    return metrics.lines().filter(l -> l.startsWith(series + " "))
        .mapToDouble(l -> Double.parseDouble(l.substring(series.length() + 1).trim())).findFirst().orElse(0);
  }

  /** /metrics of {@code node}, its metric names added to {@link #exposed}. */
  private String scrape(DaemonProcess node) {
    String metrics;
    try {
      metrics = get(node, "/metrics");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    for (String line : metrics.split("\n")) {
      if (!line.startsWith("#") && !line.isBlank()) {
        exposed.add(line.split("[{ ]", 2)[0]);
      }
    }
    return metrics;
  }

  private static String primaryOf(DaemonProcess via, String volume) {
    return ProcessCluster.json(via.cli("volume", "show", volume, "--json")).get("primary").asText();
  }

  private static String get(DaemonProcess node, String path) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(node.info().httpUrl() + path))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("GET %s on %s", path, node.info().nodeId()).isEqualTo(200);
    return r.body();
  }
}
