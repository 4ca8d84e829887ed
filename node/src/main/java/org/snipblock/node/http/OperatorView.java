package org.snipblock.node.http;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.snipblock.cluster.ClusterNode;
import org.snipblock.cluster.ClusterStatus;
import org.snipblock.cluster.ClusterVolume;
import org.snipblock.cluster.replica.ResyncProgress;
import org.snipblock.store.VolumeInfo;
import org.snipblock.store.VolumeManager;

/**
 * What an operator sees of the cluster from this node, read fresh on each call: the nodes with
 * state and fullness, the round trips, the copies moving, the volumes with primary, mode, lag, QoS and running work,
 * and the hypervisor adapter's tasks. The
 * one source for both the Prometheus gauges and the dashboard's JSON, so the two never disagree.
 * A standalone node shows itself as the only node and its volumes with itself as primary.
 */
public final class OperatorView {
  private final String self;
  private final String location;
  private final VolumeManager volumes;
  /** Null on a standalone node. */
  private final ClusterNode cluster;
  private final LongSupplier freeBytes;
  private final Function<String, Optional<Qos>> qos;

  /** @param qos a volume's limits and throttle as this node sees them (empty: none known) */
  public OperatorView(String self, String location, VolumeManager volumes, ClusterNode cluster,
      LongSupplier freeBytes, Function<String, Optional<Qos>> qos) {
    this.self = self;
    this.location = location;
    this.volumes = volumes;
    this.cluster = cluster;
    this.freeBytes = freeBytes;
    this.qos = qos;
  }

  /** @param location site/compartment/rack/host */
  public record Node(String id, String location, String state, long capacityBytes, long usedBytes, double load) {}

  /**
   * @param rttMillis row = from node id, column = to node id
   * @param moving    the copies on their way between nodes, with the primary's reported progress
   */
  public record Cluster(String self, String leader, boolean inMajority, List<Node> nodes,
      Map<String, Map<String, Double>> rttMillis, List<ClusterStatus.Move> moving) {}

  /** A resync, re-replication, scrub or verify run by the volume's primary. */
  public record Work(String node, String purpose, long snippetsDone, long snippetsTotal, long bytesCopied,
      boolean running, String failure) {
    public double ratio() {
      return snippetsTotal == 0 ? (running ? 0 : 1) : (double) snippetsDone / snippetsTotal;
    }
  }

  /**
   * A volume's I/O limits (QEMU's vocabulary, "" = none) and, where this node throttles it (its
   * primary, or a standalone node), the throttle's state; {@code stateKnown} false elsewhere.
   */
  public record Qos(String limits, String group, boolean stateKnown, boolean throttled, int waiting, long delayed) {}

  /**
   * @param lagBytes         -1 where this node is not the primary (only the primary measures lag)
   * @param checksumFailures stored chunks of this node's copy that failed their CRC32C when read here
   *                         (a client's read, a scrub or verify, a replica check), since the node started
   * @param qos              null: none
   */
  public record Volume(String name, long sizeBytes, long usedBytes, String primary, String mode, int copies,
      long lagBytes, double lagSeconds, List<String> stale, long checksumRepairs, long checksumFailures,
      List<Work> work, Qos qos) {}

  /** A hypervisor adapter task: {@code step} is the first one not done, with its state. */
  public record Task(String id, String kind, String vm, String state, String step, int stepsDone, int stepsTotal,
      String error, long updatedMillis) {}

  /** Open tasks and those ended lately, newest first; none on a standalone node (no records there). */
  public List<Task> tasks() {
    return cluster == null ? List.of() : TaskView.of(cluster.records().list(TaskView.KIND, ""),
        System.currentTimeMillis());
  }

  public Cluster cluster() {
    if (cluster == null) {
      List<VolumeInfo> all = volumes.list();
      long used = all.stream().mapToLong(VolumeInfo::usedBytes).sum();
      return new Cluster(self, self, true,
          List.of(new Node(self, location, "UP", used + Math.max(0, freeBytes.getAsLong()), used, load())),
          Map.of(), List.of());
    }
    ClusterStatus s = cluster.status();
    return new Cluster(s.self(), s.leader(), s.inMajority(), s.nodes().stream()
        .map(n -> new Node(n.id(), n.location(), n.state(), n.capacityBytes(), n.usedBytes(), n.load())).toList(),
        s.rttMillis(), s.moving());
  }

  public List<Volume> volumes() {
    if (cluster == null) {
      return volumes.list().stream().map(v -> new Volume(v.name(), v.provisionedBytes(), v.usedBytes(), self,
          "local", 1, -1, -1, List.of(), 0, v.checksumErrors(), List.of(), qosOf(v.name()))).toList();
    }
    return volumes.list().stream().map(v -> describe(v))
        .flatMap(Optional::stream).toList();
  }

  private Optional<Volume> describe(VolumeInfo info) {
    Optional<ClusterVolume> d = cluster.volumes().describe(info.name());
    return d.map(v -> new Volume(v.name(), v.size(), info.usedBytes(), v.primary(), v.mode(), v.copies(),
        v.lagBytes(), v.lagSeconds(), v.stale(), cluster.volumes().checksumRepairs(v.name()), info.checksumErrors(),
        v.resyncs().stream().map(OperatorView::work).toList(), qosOf(v.name())));
  }

  private Qos qosOf(String volume) {
    try {
      return qos.apply(volume).orElse(null);
    } catch (RuntimeException e) {
      return null;   // deleted meanwhile: the page shows no limits rather than failing
    }
  }

  private static Work work(ResyncProgress p) {
    return new Work(p.node(), p.purpose(), p.snippetsDone(), p.snippetsTotal(), p.bytesCopied(), p.running(),
        p.failure());
  }

  /** The system's load average over its processors, the standalone stand-in for a reported load. */
  private static double load() {
    double avg = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    return avg < 0 ? 0 : Math.min(1, avg / Runtime.getRuntime().availableProcessors());
  }
}
