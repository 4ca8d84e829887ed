package org.snipblock.cluster;

import java.util.List;
import java.util.Optional;
import org.snipblock.cluster.meta.ClusterMetadata;
import org.snipblock.cluster.meta.QosCommand;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.store.qos.QosGroups;
import org.snipblock.store.qos.QosLimits;
import org.snipblock.store.qos.QosSetting;
import org.snipblock.store.qos.VolumeThrottle;
import org.snipblock.store.qos.VolumeThrottles;

/**
 * One node's throttles of the cluster's volumes, one per budget (a volume's own, or its group's),
 * configured from the metadata: every committed change of any volume's setting applies here at once,
 * so a primary (this node's or the next one after a failover) always throttles by the record. A
 * group's budget is shared by the members whose primary is this node: members served by different
 * primaries each spend a budget of their own there.
 */
public final class ClusterQos implements AutoCloseable {
  private final ClusterMetadata metadata;
  private final VolumeThrottles throttles;

  ClusterQos(String nodeId, ClusterMetadata metadata) {
    this.metadata = metadata;
    this.throttles = new VolumeThrottles(nodeId);
  }

  /** The throttle of the volume's budget as its record has it now (a map look-up: called per request). */
  public VolumeThrottle throttleOf(VolumeRecord v) {
    String budget = QosCommand.setting(v).budget();
    return throttles.of(budget, () -> budgets().getOrDefault(budget, QosLimits.none()));
  }

  /** Called as this node applies a change of any volume: every budget takes its limits from the records again. */
  void changed() {
    throttles.apply(budgets());
  }

  /** The state of the volume's budget here, if this node has a throttle for it. */
  Optional<org.snipblock.store.qos.QosState> state(VolumeRecord v) {
    return throttles.existing(QosCommand.setting(v).budget()).map(VolumeThrottle::state);
  }

  /** The volumes sharing the volume's group (itself included), by name; empty without a group. */
  List<String> groupMembers(VolumeRecord v) {
    if (v.getQosGroup().isEmpty()) {
      return List.of();
    }
    return metadata.volumes().stream().filter(o -> o.getQosGroup().equals(v.getQosGroup()))
        .map(VolumeRecord::getName).sorted().toList();
  }

  /** The limits of the volume's budget (its group's when it has one). */
  QosLimits limitsOf(VolumeRecord v) {
    QosSetting s = QosCommand.setting(v);
    return budgets().getOrDefault(s.budget(), s.limits());
  }

  private java.util.Map<String, QosLimits> budgets() {
    return QosGroups.budgets(QosCommand.settings(metadata.volumes()));
  }

  @Override
  public void close() {
    throttles.close();
  }
}
