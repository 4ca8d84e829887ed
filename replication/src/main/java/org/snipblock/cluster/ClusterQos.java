package org.snipblock.cluster;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.snipblock.cluster.meta.ClusterMetadata;
import org.snipblock.cluster.meta.QosCommand;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.store.qos.QosGroups;
import org.snipblock.store.qos.QosLimits;
import org.snipblock.store.qos.QosSetting;
import org.snipblock.store.qos.ClientLoad;
import org.snipblock.store.qos.QosState;
import org.snipblock.store.qos.VolumeThrottle;
import org.snipblock.store.qos.VolumeThrottles;

/**
 * One node's throttles of the cluster's volumes, one per budget (a volume's own, or its group's),
 * configured from the metadata: every committed change of any volume's setting applies here at once,
 * so a primary (this node's or the next one after a failover) always throttles by the record. A
 * group's budget is shared by the members whose primary is this node; when its members' primaries
 * are on several nodes, each of them throttles the group at its share of the budget
 * ({@link GroupBudgetSharing}), so the members together hold the group's limits cluster-wide.
 */
public final class ClusterQos implements AutoCloseable {
  private final ClusterMetadata metadata;
  private final Predicate<String> servesAsPrimary;
  private final VolumeThrottles throttles;
  // Per volume, the record a device last asked with and its throttle: a device asks with the same
  // record instance until the record changes, so a request costs one map look-up, no parsing.
  private final Map<String, Asked> asked = new ConcurrentHashMap<>();
  private final GroupBudgetSharing sharing;

  private record Asked(VolumeRecord record, VolumeThrottle throttle) {}

  /**
   * @param servesAsPrimary whether this node serves the volume (by name) as its primary now
   * @param commit          commits a metadata command (this node's group demand reports)
   * @param clients         where the throttles count the client requests the node's background work yields to
   */
  ClusterQos(String nodeId, ClusterMetadata metadata, Predicate<String> servesAsPrimary,
      java.util.function.Consumer<org.snipblock.cluster.proto.MetaCommand> commit, ClientLoad clients) {
    this.metadata = metadata;
    this.servesAsPrimary = servesAsPrimary;
    this.throttles = new VolumeThrottles(nodeId, clients);
    this.sharing = new GroupBudgetSharing(nodeId, metadata, commit, throttles::existing, this::changed);
  }

  /** The throttle of the volume's budget as its record has it now (a map look-up: called per request). */
  public VolumeThrottle throttleOf(VolumeRecord v) {
    Asked a = asked.get(v.getName());
    if (a != null && a.record() == v) {
      return a.throttle();
    }
    String budget = QosCommand.setting(v).budget();
    VolumeThrottle t = throttles.of(budget, () -> localBudgets().getOrDefault(budget, QosLimits.none()));
    asked.put(v.getName(), new Asked(v, t));
    return t;
  }

  /** Called as this node applies a change of any volume: every budget takes its limits from the records again. */
  void changed() {
    throttles.apply(localBudgets());
    // A budget dropped above belonged to records that changed since: the next request asks again.
    asked.keySet().removeIf(name -> metadata.volume(name).isEmpty());
  }

  /** A volume's QoS: its budget's limits, its group and the group's members, and the state where this node throttles it. */
  public record View(String primary, QosLimits limits, String group, List<String> members, Optional<QosState> state) {}

  /** The volume's QoS as the metadata here has it, with its budget's state when this node serves it as primary. */
  public Optional<View> view(String volume) {
    return metadata.volume(volume).map(v -> new View(v.getPrimary(), limitsOf(v), v.getQosGroup(), groupMembers(v),
        servesAsPrimary.test(volume)
            ? throttles.existing(QosCommand.setting(v).budget()).map(VolumeThrottle::state) : Optional.empty()));
  }

  /** The volumes sharing the volume's group (itself included), by name; empty without a group. */
  private List<String> groupMembers(VolumeRecord v) {
    if (v.getQosGroup().isEmpty()) {
      return List.of();
    }
    return metadata.volumes().stream().filter(o -> o.getQosGroup().equals(v.getQosGroup()))
        .map(VolumeRecord::getName).sorted().toList();
  }

  /** The limits of the volume's budget (its group's when it has one). */
  private QosLimits limitsOf(VolumeRecord v) {
    QosSetting s = QosCommand.setting(v);
    return budgets().getOrDefault(s.budget(), s.limits());
  }

  private Map<String, QosLimits> budgets() {
    return QosGroups.budgets(QosCommand.settings(metadata.volumes()));
  }

  /** The budgets as this node throttles them: a group spread over several primaries at this node's share. */
  private Map<String, QosLimits> localBudgets() {
    Map<String, QosLimits> all = budgets();
    Map<String, java.util.Set<String>> spread = sharing.spreadGroups();
    if (spread.isEmpty()) {
      return all;
    }
    Map<String, QosLimits> out = new java.util.HashMap<>(all);
    spread.keySet().forEach(g -> out.computeIfPresent("group:" + g,
        (b, limits) -> limits.scaled(sharing.fraction(g, limits, spread))));
    return out;
  }

  @Override
  public void close() {
    sharing.close();
    throttles.close();
  }
}
