package org.snipblock.node.config;

import java.util.List;
import org.snipblock.cluster.RedundancyPolicy;
import org.snipblock.cluster.follow.SiteSettings;
import org.snipblock.cluster.replica.ReplicationSettings;
import org.snipblock.cluster.security.LinkTls;

/**
 * How a node takes part in a cluster; absent on a standalone node.
 *
 * @param port           the JGroups port this node's cluster endpoint listens on (on the listen address)
 * @param join           the cluster endpoints (HOST:PORT) of every metadata voter, this node's own included;
 *                       every node of a cluster is given the same list
 * @param volumeDefaults redundancy of volumes created without their own
 * @param replication    the data path's tunables (lag bound, ack timeout, resync rate, failover delays)
 * @param capacityThresholdPercent relocation: the node sheds copies above this percent of its capacity (0 = never)
 * @param alua           how the iSCSI door reports the paths that are not the primary's
 * @param sites          sync bound, automatic mode control, ballooning (and a test's simulated WAN)
 */
public record ClusterSettings(int port, List<String> join, RedundancyPolicy volumeDefaults,
    ReplicationSettings replication, int capacityThresholdPercent, AluaPolicy alua, SiteSettings sites, LinkTls tls) {
  public ClusterSettings {
    join = List.copyOf(join);
  }

  public ClusterSettings(int port, List<String> join, RedundancyPolicy volumeDefaults, ReplicationSettings replication) {
    this(port, join, volumeDefaults, replication, 0, AluaPolicy.DEFAULT, SiteSettings.defaults(), null);
  }

  /** The built-in redundancy and replication defaults. */
  public ClusterSettings(int port, List<String> join) {
    this(port, join, RedundancyPolicy.defaults(), ReplicationSettings.defaults(), 0, AluaPolicy.DEFAULT,
        SiteSettings.defaults(), null);
  }
}
