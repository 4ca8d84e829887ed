package org.snipblock.node.config;

import java.util.List;

/**
 * How a node takes part in a cluster; absent on a standalone node.
 *
 * @param port the JGroups port this node's cluster endpoint listens on (on the listen address)
 * @param join the cluster endpoints (HOST:PORT) of every metadata voter, this node's own included;
 *             every node of a cluster is given the same list
 */
public record ClusterSettings(int port, List<String> join) {
  public ClusterSettings {
    join = List.copyOf(join);
  }
}
