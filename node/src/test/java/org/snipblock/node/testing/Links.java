package org.snipblock.node.testing;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A test's faults on the links between the daemons of a {@link ProcessCluster}, set through each
 * node's {@code cluster link-faults} (the nodes' config must have {@code cluster.sites.link-faults: true}):
 * a partition is cut on every node of both sides, a slow node is slowed on its own side and on
 * every other node's side of its links. {@link #heal()} clears them on every node.
 */
public final class Links {
  private final ProcessCluster cluster;

  public Links(ProcessCluster cluster) {
    this.cluster = cluster;
  }

  /** Cuts every link between {@code side} and the other nodes (replication, door forwarding and the cluster channel). */
  public void partition(Set<String> side) {
    Set<String> rest = others(side);
    for (DaemonProcess n : cluster.nodes()) {
      String id = n.info().nodeId();
      n.cli("cluster", "link-faults", "--cut", String.join(",", side.contains(id) ? rest : side));
    }
  }

  /** Slows every link of {@code node} by {@code delay} each way. */
  public void slow(String node, Duration delay) {
    String millis = delay.toMillis() + "ms";
    for (DaemonProcess n : cluster.nodes()) {
      String id = n.info().nodeId();
      n.cli("cluster", "link-faults", "--slow", id.equals(node) ? String.join(",", others(Set.of(node))) : node,
          "--delay", millis);
    }
  }

  /** Every link whole again, on every node. */
  public void heal() {
    cluster.nodes().forEach(n -> n.cli("cluster", "link-faults"));
  }

  private Set<String> others(Set<String> side) {
    List<String> all = cluster.nodes().stream().map(n -> n.info().nodeId()).toList();
    Set<String> rest = new TreeSet<>(all);
    rest.removeAll(side);
    return rest;
  }
}
