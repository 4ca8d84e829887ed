package org.snipblock.cluster;

import java.nio.file.Path;
import java.util.List;
import org.snipblock.cluster.membership.Endpoint;
import org.snipblock.cluster.security.LinkTls;
import org.snipblock.cluster.topology.Location;

/**
 * How one node takes part in the cluster.
 *
 * @param nodeId          the operator's name for this node, unique in the cluster
 * @param location        where it stands (SITE/COMPARTMENT/RACK/HOST)
 * @param cluster         this node's cluster endpoint (JGroups TCP)
 * @param join            the founding metadata voters' cluster endpoints, this node included, the
 *                        same list on each of them (a majority of it decides); or, for a node that
 *                        joins a running cluster, members to find it by, without this node: it
 *                        then becomes a voter through the leader
 * @param replicationPort TCP port of the replication data server on the cluster host; 0 picks a free one
 * @param dataDir         where this node keeps the raft log of the metadata
 * @param capacityBytes   space this node offers to placement
 * @param relocation      when this node sheds copies (thresholds), how a moved copy keeps in
 *                        step, and the margin of automatic rebalancing
 * @param tls             mutual TLS on every link to other nodes (gRPC and JGroups), or null for plaintext
 */
public record ClusterConfig(
    String nodeId, Location location, Endpoint cluster, List<Endpoint> join, int replicationPort,
    Path dataDir, long capacityBytes, RelocationSettings relocation, LinkTls tls) {

  public ClusterConfig(String nodeId, Location location, Endpoint cluster, List<Endpoint> join, int replicationPort,
      Path dataDir, long capacityBytes, RelocationSettings relocation) {
    this(nodeId, location, cluster, join, replicationPort, dataDir, capacityBytes, relocation, null);
  }

  public ClusterConfig(String nodeId, Location location, Endpoint cluster, List<Endpoint> join, int replicationPort,
      Path dataDir, long capacityBytes) {
    this(nodeId, location, cluster, join, replicationPort, dataDir, capacityBytes, RelocationSettings.defaults());
  }

  public ClusterConfig {
    if (nodeId == null || !nodeId.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}")) {
      throw new IllegalArgumentException("bad node id '" + nodeId + "': use 1-63 of [A-Za-z0-9._-]");
    }
    if (location == null || cluster == null || dataDir == null) {
      throw new IllegalArgumentException("location, cluster address and data dir are required");
    }
    join = List.copyOf(join);
    if (join.isEmpty()) {
      throw new IllegalArgumentException("the join list is empty: name the founding voters, or members of the "
          + "running cluster to join");
    }
    if (replicationPort < 0 || replicationPort > 65535) {
      throw new IllegalArgumentException("bad replication port " + replicationPort);
    }
    if (capacityBytes < 0) {
      throw new IllegalArgumentException("negative capacity");
    }
    if (relocation == null) {
      throw new IllegalArgumentException("relocation settings missing");
    }
  }

  /** Relocation: above this percent of its capacity used, the node moves copies elsewhere (0 = never). */
  public int capacityThresholdPercent() {
    return relocation.capacityThresholdPercent();
  }
}
