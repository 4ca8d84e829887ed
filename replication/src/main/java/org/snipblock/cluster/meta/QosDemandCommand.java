package org.snipblock.cluster.meta;

import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.MetaResult;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.proto.ReportQosDemand;

/**
 * Puts a node's QoS group demand on its record (replacing the last report): what the nodes serving
 * one group split its budget by ({@code ClusterQos}).
 */
final class QosDemandCommand {
  private QosDemandCommand() {}

  static MetaResult apply(MetaCommand cmd, MetadataState s) {
    ReportQosDemand r = cmd.getReportQosDemand();
    NodeRecord n = s.node(r.getId());
    s.nodes.put(n.getId(), n.toBuilder().clearQosDemand().addAllQosDemand(r.getGroupsList()).build());
    return MetaResult.newBuilder().setOk(true).build();
  }
}
