package org.snipblock.cluster;

import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.snipblock.cluster.meta.ClusterMetadata;
import org.snipblock.cluster.topology.Location;

/** The sites of the cluster's nodes, as the metadata has them. */
final class SiteNames {
  private SiteNames() {}

  /** Every site a node on record is in, sorted. */
  static Set<String> of(ClusterMetadata metadata) {
    Set<String> sites = new TreeSet<>();
    metadata.nodes().forEach(n -> sites.add(Location.parse(n.getLocation()).site()));
    return sites;
  }

  /** The site of a node on record. */
  static Optional<String> siteOf(ClusterMetadata metadata, String nodeId) {
    return metadata.node(nodeId).map(n -> Location.parse(n.getLocation()).site());
  }
}
