package org.snipblock.node.config;

import java.util.List;
import org.snipblock.cluster.RedundancyPolicy;
import org.snipblock.cluster.RelocationSettings;
import org.snipblock.cluster.follow.SiteSettings;
import org.snipblock.cluster.meta.ChapKey;
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
 * @param relocation     this node's relocation thresholds, move mode and rebalance margin
 * @param alua           how the iSCSI door reports the paths that are not the primary's
 * @param sites          sync bound, automatic mode control, ballooning (and a test's simulated WAN)
 * @param chapKey        seals volumes' CHAP secrets in the metadata (cluster.chap-key); null: none, and
 *                       {@code volume chap} can only turn CHAP off through this node
 */
public record ClusterSettings(int port, List<String> join, RedundancyPolicy volumeDefaults,
    ReplicationSettings replication, RelocationSettings relocation, AluaPolicy alua, SiteSettings sites,
    LinkTls tls, ChapKey chapKey) {
  public ClusterSettings {
    join = List.copyOf(join);
  }

  /** Relocation: the node sheds copies above this percent of its capacity (0 = never). */
  public int capacityThresholdPercent() {
    return relocation.capacityThresholdPercent();
  }

  public ClusterSettings(int port, List<String> join, RedundancyPolicy volumeDefaults, ReplicationSettings replication) {
    this(port, join, volumeDefaults, replication, RelocationSettings.defaults(), AluaPolicy.DEFAULT,
        SiteSettings.defaults(), null, null);
  }

  /** The built-in redundancy and replication defaults. */
  public ClusterSettings(int port, List<String> join) {
    this(port, join, RedundancyPolicy.defaults(), ReplicationSettings.defaults(), RelocationSettings.defaults(),
        AluaPolicy.DEFAULT, SiteSettings.defaults(), null, null);
  }
}
