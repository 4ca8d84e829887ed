package org.snipblock.bench.replication;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.snipblock.block.FreePorts;
import org.snipblock.cluster.ClusterConfig;
import org.snipblock.cluster.ClusterNode;
import org.snipblock.cluster.RedundancyPolicy;
import org.snipblock.cluster.membership.Endpoint;
import org.snipblock.cluster.replica.ReplicationSettings;
import org.snipblock.cluster.topology.Location;
import org.snipblock.store.SnippetStore;
import org.snipblock.store.StoreConfig;

/**
 * Real cluster nodes in one JVM on 127.0.0.1, one per compartment, each on its own on-disk
 * snippet store: the loopback setting the replication targets are stated for.
 */
final class LoopbackCluster implements AutoCloseable {
  final List<ClusterNode> nodes = new ArrayList<>();
  private final List<SnippetStore> stores = new ArrayList<>();

  static LoopbackCluster start(Path dir, int size) throws Exception {
    return start(dir, size, 1L << 30);
  }

  /** @param capacityBytes what each node declares (placement does not provision beyond it: thin volumes count in full) */
  static LoopbackCluster start(Path dir, int size, long capacityBytes) throws Exception {
    LoopbackCluster c = new LoopbackCluster();
    try {
      List<Endpoint> join = new ArrayList<>();
      for (int port : FreePorts.take(size)) {
        join.add(new Endpoint("127.0.0.1", port));
      }
      for (int i = 0; i < size; i++) {
        SnippetStore store = SnippetStore.open(dir.resolve("n" + i + "/store"), StoreConfig.defaults());
        c.stores.add(store);
        ClusterConfig cfg = new ClusterConfig("n" + i, Location.parse("site/c" + i + "/r" + i + "/h" + i),
            join.get(i), join, 0, dir.resolve("n" + i + "/cluster"), capacityBytes);
        c.nodes.add(new ClusterNode(cfg, store, RedundancyPolicy.defaults(),
            ReplicationSettings.defaults()).start());
      }
      for (ClusterNode n : c.nodes) {
        n.registered().get(60, TimeUnit.SECONDS);
      }
      return c;
    } catch (Exception e) {
      c.close();
      throw e;
    }
  }

  @Override
  public void close() {
    nodes.forEach(ClusterNode::close);
    stores.forEach(SnippetStore::close);
  }
}
