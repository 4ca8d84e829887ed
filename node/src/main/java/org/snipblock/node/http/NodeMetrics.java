package org.snipblock.node.http;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.snipblock.cluster.ClusterStatus;

/**
 * The node's Prometheus registry: the I/O meters recorded as requests pass (see {@code IoMeters}),
 * JVM basics, and gauges read from the cluster's state at scrape time. Gauges over things that
 * come and go (volumes, peers, resyncs) are {@link MultiGauge}s rebuilt on each scrape, so a
 * deleted volume or a departed peer leaves no stale series.
 */
public final class NodeMetrics implements AutoCloseable {
  private static final String CHECKSUM_FAILURES = "snipblock.checksum.failures";

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private final OperatorView view;
  private final MultiGauge nodeState;
  private final MultiGauge nodeCapacity;
  private final MultiGauge nodeUsed;
  private final MultiGauge nodeLoad;
  private final MultiGauge peerRtt;
  private final MultiGauge volumeInfo;
  private final MultiGauge volumeCopies;
  private final MultiGauge volumeStale;
  private final MultiGauge lagBytes;
  private final MultiGauge lagSeconds;
  private final MultiGauge checksumRepairs;
  private final MultiGauge resyncDone;
  private final MultiGauge resyncBytes;
  private final MultiGauge resyncRunning;
  private final MultiGauge moveProgress;
  /** Per volume, the store's count the volume's checksum counter reads; the counter goes with the volume. */
  private final Map<String, AtomicLong> checksumFailures = new HashMap<>();
  private final List<Runnable> scrapeHooks = new java.util.concurrent.CopyOnWriteArrayList<>();

  public NodeMetrics(OperatorView view) {
    this.view = view;
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    gc.bindTo(registry);
    nodeState = gauge("snipblock.node.up", "1 when the node is in this node's membership view, 0 when DOWN");
    nodeCapacity = gauge("snipblock.node.capacity.bytes", "bytes the node may store");
    nodeUsed = gauge("snipblock.node.used.bytes", "bytes the node stores");
    nodeLoad = gauge("snipblock.node.load", "recent load reported by the node (0 idle, 1 saturated)");
    peerRtt = gauge("snipblock.peer.rtt.seconds", "smoothed round trip from this node to a peer");
    volumeInfo = gauge("snipblock.volume.info", "1 per volume, labelled with its primary and replication mode");
    volumeCopies = gauge("snipblock.volume.copies", "copies the volume keeps");
    volumeStale = gauge("snipblock.volume.stale.copies", "holders on record as missing changes");
    lagBytes = gauge("snipblock.volume.replication.lag.bytes",
        "unacknowledged bytes at the furthest reachable replica (on the primary only)");
    lagSeconds = gauge("snipblock.volume.replication.lag.seconds",
        "age of the oldest unacknowledged change (on the primary only)");
    checksumRepairs = gauge("snipblock.volume.checksum.repairs",
        "chunks of the primary's copy that failed their checksum and were restored from a replica");
    resyncDone = gauge("snipblock.resync.progress.ratio", "snippets compared over snippets held, per resync");
    resyncBytes = gauge("snipblock.resync.copied.bytes", "bytes sent because they differed, per resync");
    resyncRunning = gauge("snipblock.resync.running", "1 while the resync runs");
    moveProgress = gauge("snipblock.move.progress.ratio",
        "snippets of the copies moving between two nodes that the target holds in sync, per volume");
    Gauge.builder("snipblock.cluster.in.majority", () -> view.cluster().inMajority() ? 1 : 0)
        .description("1 while this node is in the metadata majority").register(registry);
  }

  private MultiGauge gauge(String name, String description) {
    return MultiGauge.builder(name).description(description).register(registry);
  }

  /** Where the request meters register. */
  public MeterRegistry registry() {
    return registry;
  }

  /** Runs before every scrape, after the node's own gauges are read (e.g. the tenants' gauges). */
  public void onScrape(Runnable refresh) {
    scrapeHooks.add(refresh);
  }

  /** The Prometheus text exposition, with the state gauges read now. */
  public String scrape() {
    refresh();
    return registry.scrape();
  }

  private synchronized void refresh() {
    OperatorView.Cluster c = view.cluster();
    List<MultiGauge.Row<?>> state = new ArrayList<>();
    List<MultiGauge.Row<?>> capacity = new ArrayList<>();
    List<MultiGauge.Row<?>> used = new ArrayList<>();
    List<MultiGauge.Row<?>> load = new ArrayList<>();
    for (OperatorView.Node n : c.nodes()) {
      Tags t = Tags.of("node", n.id());
      // DRAINING, DRAINED and JOINING nodes are in the view too: only DOWN is not.
      state.add(MultiGauge.Row.of(t, "DOWN".equals(n.state()) ? 0 : 1));
      capacity.add(MultiGauge.Row.of(t, n.capacityBytes()));
      used.add(MultiGauge.Row.of(t, n.usedBytes()));
      load.add(MultiGauge.Row.of(t, n.load()));
    }
    nodeState.register(state, true);
    nodeCapacity.register(capacity, true);
    nodeUsed.register(used, true);
    nodeLoad.register(load, true);
    List<MultiGauge.Row<?>> rtt = new ArrayList<>();
    for (Map.Entry<String, Double> e : c.rttMillis().getOrDefault(c.self(), Map.of()).entrySet()) {
      if (!e.getKey().equals(c.self())) {
        rtt.add(MultiGauge.Row.of(Tags.of("peer", e.getKey()), e.getValue() / 1000.0));
      }
    }
    peerRtt.register(rtt, true);
    moveProgress.register(moves(c.moving()), true);
    refreshVolumes(view.volumes());
    scrapeHooks.forEach(Runnable::run);
  }

  /**
   * One row per volume and pair of nodes: a volume moves stripe by stripe, and several of its stripes
   * may go the same way at once. A stripe in sync counts whole; one the primary has not reported on
   * yet counts nothing done.
   */
  private static List<MultiGauge.Row<?>> moves(List<ClusterStatus.Move> moving) {
    Map<Tags, long[]> byWay = new LinkedHashMap<>();
    for (ClusterStatus.Move m : moving) {
      long total = m.progress() != null && m.progress().snippetsTotal() > 0 ? m.progress().snippetsTotal()
          : Math.max(1, m.snippets());
      long done = m.inSync() ? total : m.progress() == null ? 0 : Math.min(total, m.progress().snippetsDone());
      long[] sum = byWay.computeIfAbsent(Tags.of("volume", m.volume(), "from", m.from(), "to", m.to()),
          t -> new long[2]);
      sum[0] += done;
      sum[1] += total;
    }
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    byWay.forEach((t, sum) -> rows.add(MultiGauge.Row.of(t, (double) sum[0] / sum[1])));
    return rows;
  }

  private void refreshVolumes(List<OperatorView.Volume> volumes) {
    List<MultiGauge.Row<?>> info = new ArrayList<>();
    List<MultiGauge.Row<?>> copies = new ArrayList<>();
    List<MultiGauge.Row<?>> stale = new ArrayList<>();
    List<MultiGauge.Row<?>> lagB = new ArrayList<>();
    List<MultiGauge.Row<?>> lagS = new ArrayList<>();
    List<MultiGauge.Row<?>> repairs = new ArrayList<>();
    List<MultiGauge.Row<?>> done = new ArrayList<>();
    List<MultiGauge.Row<?>> bytes = new ArrayList<>();
    List<MultiGauge.Row<?>> running = new ArrayList<>();
    for (OperatorView.Volume v : volumes) {
      Tags t = Tags.of("volume", v.name());
      info.add(MultiGauge.Row.of(t.and("primary", v.primary(), "mode", v.mode()), 1));
      copies.add(MultiGauge.Row.of(t, v.copies()));
      stale.add(MultiGauge.Row.of(t, v.stale().size()));
      repairs.add(MultiGauge.Row.of(t, v.checksumRepairs()));
      if (v.lagBytes() >= 0) {
        lagB.add(MultiGauge.Row.of(t, v.lagBytes()));
        lagS.add(MultiGauge.Row.of(t, v.lagSeconds()));
      }
      for (OperatorView.Work w : v.work()) {
        Tags wt = t.and("peer", w.node(), "purpose", w.purpose());
        done.add(MultiGauge.Row.of(wt, w.ratio()));
        bytes.add(MultiGauge.Row.of(wt, w.bytesCopied()));
        running.add(MultiGauge.Row.of(wt, w.running() ? 1 : 0));
      }
    }
    volumeInfo.register(info, true);
    volumeCopies.register(copies, true);
    volumeStale.register(stale, true);
    lagBytes.register(lagB, true);
    lagSeconds.register(lagS, true);
    checksumRepairs.register(repairs, true);
    resyncDone.register(done, true);
    resyncBytes.register(bytes, true);
    resyncRunning.register(running, true);
    countChecksumFailures(volumes);
  }

  /**
   * A counter, not a gauge over the repairs: every chunk that failed its CRC32C when read on this
   * node (a client's read, a scrub or verify, a replica's check for its primary), kept by the store
   * for as long as the node runs, whatever devices were opened and closed over it meanwhile.
   */
  private void countChecksumFailures(List<OperatorView.Volume> volumes) {
    Set<String> present = new HashSet<>();
    for (OperatorView.Volume v : volumes) {
      present.add(v.name());
      checksumFailures.computeIfAbsent(v.name(), name -> {
        AtomicLong count = new AtomicLong();
        FunctionCounter.builder(CHECKSUM_FAILURES, count, AtomicLong::get).tags("volume", name)
            .description("stored chunks that failed their CRC32C when read on this node").register(registry);
        return count;
      }).set(v.checksumFailures());
    }
    for (Iterator<String> it = checksumFailures.keySet().iterator(); it.hasNext(); ) {
      String name = it.next();
      if (!present.contains(name)) {
        registry.find(CHECKSUM_FAILURES).tags("volume", name).meters().forEach(registry::remove);
        it.remove();
      }
    }
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }
}
