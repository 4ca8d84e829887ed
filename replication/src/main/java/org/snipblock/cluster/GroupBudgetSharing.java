package org.snipblock.cluster;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snipblock.block.DaemonThreads;
import org.snipblock.cluster.meta.ClusterMetadata;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.QosGroupDemand;
import org.snipblock.cluster.proto.ReportQosDemand;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.store.qos.QosLimits;
import org.snipblock.store.qos.ThrottleBucket;
import org.snipblock.store.qos.VolumeThrottle;

/**
 * Keeps a QoS group's budget whole across the cluster when its members' primaries are on several
 * nodes: every {@link #WINDOW} this node measures what its throttle of each such group let through
 * and whether requests waited, puts that on its node record (one metadata command, only while it
 * serves such a group), and takes its fraction of the budget from every serving node's report
 * ({@link QosGroupShares}). A group served by one node keeps its whole budget there, as before.
 */
final class GroupBudgetSharing implements AutoCloseable {
  static final long WINDOW_MILLIS = 2000;
  /** A report older than this is not counted (its node stopped reporting: it may be gone). */
  static final long STALE_MILLIS = 10_000;
  private static final Logger log = LoggerFactory.getLogger(GroupBudgetSharing.class);

  private final String nodeId;
  private final ClusterMetadata metadata;
  private final Consumer<MetaCommand> commit;
  private final Function<String, Optional<VolumeThrottle>> throttleOfBudget;
  private final Runnable changed;
  private final Map<String, VolumeThrottle.Use> last = new HashMap<>();
  private final ScheduledExecutorService timer;
  private volatile Map<String, QosGroupDemand> mine = Map.of();
  private long lastAt = System.currentTimeMillis();
  private boolean reported;
  private boolean wasSpread;

  /**
   * @param commit           commits a metadata command (throws while this node cannot)
   * @param throttleOfBudget this node's throttle of a budget, if it made one
   * @param changed          re-applies the budgets to the throttles
   */
  GroupBudgetSharing(String nodeId, ClusterMetadata metadata, Consumer<MetaCommand> commit,
      Function<String, Optional<VolumeThrottle>> throttleOfBudget, Runnable changed) {
    this.nodeId = nodeId;
    this.metadata = metadata;
    this.commit = commit;
    this.throttleOfBudget = throttleOfBudget;
    this.changed = changed;
    timer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("qos-sharing-" + nodeId));
    timer.scheduleWithFixedDelay(this::measureQuietly, WINDOW_MILLIS, WINDOW_MILLIS, TimeUnit.MILLISECONDS);
  }

  /** The groups whose members have primaries on more than one node, with those nodes. */
  Map<String, Set<String>> spreadGroups() {
    Map<String, Set<String>> out = new HashMap<>();
    for (VolumeRecord v : metadata.volumes()) {
      if (!v.getQosGroup().isEmpty() && !v.getPrimary().isEmpty()) {
        out.computeIfAbsent(v.getQosGroup(), g -> new TreeSet<>()).add(v.getPrimary());
      }
    }
    out.values().removeIf(nodes -> nodes.size() < 2);
    return out;
  }

  /** This node's fraction of a spread group's budget; 1 for any other budget. */
  double fraction(String group, QosLimits limits, Map<String, Set<String>> spread) {
    Set<String> nodes = spread.get(group);
    if (nodes == null || !nodes.contains(nodeId)) {
      return 1;
    }
    boolean ops = limits.limitsOperations();
    long now = System.currentTimeMillis();
    Map<String, QosGroupShares.Demand> demand = new HashMap<>();
    for (String n : nodes) {
      Optional<QosGroupDemand> d = n.equals(nodeId) ? Optional.ofNullable(mine.get(group))
          : metadata.node(n).flatMap(r -> r.getQosDemandList().stream().filter(x -> x.getGroup().equals(group))
              .findFirst()).filter(x -> now - x.getMeasuredAtMillis() < STALE_MILLIS);
      demand.put(n, d.map(x -> new QosGroupShares.Demand(ops ? x.getOps() : x.getBytes(), x.getSaturated()))
          .orElse(new QosGroupShares.Demand(0, false)));
    }
    return QosGroupShares.fraction(nodeId, demand, rate(limits, ops));
  }

  /** The budget in the units demand is measured in: the sum of the operation (or byte) buckets' averages. */
  private static double rate(QosLimits limits, boolean ops) {
    double sum = 0;
    for (Map.Entry<ThrottleBucket, org.snipblock.store.qos.BucketLimit> e : limits.buckets().entrySet()) {
      if (e.getKey().key().startsWith("iops") == ops) {
        sum += e.getValue().average();
      }
    }
    return sum;
  }

  private void measureQuietly() {
    boolean spread;
    try {
      spread = measure();
    } catch (RuntimeException e) {
      // Not in the majority yet, or the metadata busy: the next window reports again.
      log.debug("QoS group demand not reported: {}", e.toString());
      spread = true;
    }
    if (!spread && !wasSpread) {
      return;   // no group spread over nodes: the budgets are as the metadata's changes left them
    }
    wasSpread = spread;
    try {
      changed.run();
    } catch (RuntimeException e) {
      log.warn("QoS group shares not applied: {}", e.toString(), e);
    }
  }

  /** Measures and reports; true if some group is spread over several nodes. */
  private boolean measure() {
    long now = System.currentTimeMillis();
    double seconds = (now - lastAt) / 1000.0;
    lastAt = now;
    Map<String, QosGroupDemand> next = new HashMap<>();
    Set<String> measured = new TreeSet<>();
    Map<String, Set<String>> spread = spreadGroups();
    for (Map.Entry<String, Set<String>> e : spread.entrySet()) {
      String budget = "group:" + e.getKey();
      Optional<VolumeThrottle> t = e.getValue().contains(nodeId) ? throttleOfBudget.apply(budget) : Optional.empty();
      if (t.isEmpty()) {
        continue;
      }
      measured.add(budget);
      VolumeThrottle.Use use = t.get().use();
      VolumeThrottle.Use before = last.put(budget, use);
      if (before != null && seconds > 0) {
        next.put(e.getKey(), QosGroupDemand.newBuilder().setGroup(e.getKey())
            .setOps((use.ops() - before.ops()) / seconds).setBytes((use.bytes() - before.bytes()) / seconds)
            .setSaturated(use.delayed() > before.delayed()).setMeasuredAtMillis(now).build());
      }
    }
    last.keySet().retainAll(measured);
    mine = Map.copyOf(next);
    if (!next.isEmpty() || reported) {
      List<QosGroupDemand> groups = new ArrayList<>(next.values());
      commit.accept(MetaCommand.newBuilder().setReportQosDemand(ReportQosDemand.newBuilder().setId(nodeId)
          .addAllGroups(groups)).build());
      reported = !groups.isEmpty();
    }
    return !spread.isEmpty();
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
