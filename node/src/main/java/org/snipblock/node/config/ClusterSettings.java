package org.snipblock.node.config;

import java.util.List;
import org.snipblock.cluster.RedundancyPolicy;
import org.snipblock.cluster.replica.ReplicationSettings;

/**
 * How a node takes part in a cluster; absent on a standalone node.
 *
 * @param port           the JGroups port this node's cluster endpoint listens on (on the listen address)
 * @param join           the cluster endpoints (HOST:PORT) of every metadata voter, this node's own included;
 *                       every node of a cluster is given the same list
 * @param volumeDefaults redundancy of volumes created without their own
 * @param replication    the data path's tunables (lag bound, ack timeout, resync rate, failover delays)
 * @param capacityThresholdPercent relocation: the node sheds copies above this percent of its capacity (0 = never)
 */
public record ClusterSettings(int port, List<String> join, RedundancyPolicy volumeDefaults,
    ReplicationSettings replication, int capacityThresholdPercent) {
  public ClusterSettings {
    join = List.copyOf(join);
  }

  public ClusterSettings(int port, List<String> join, RedundancyPolicy volumeDefaults, ReplicationSettings replication) {
    this(port, join, volumeDefaults, replication, 0);
  }

  /** The built-in redundancy and replication defaults. */
  public ClusterSettings(int port, List<String> join) {
    this(port, join, RedundancyPolicy.defaults(), ReplicationSettings.defaults());
  }
}
