package org.snipblock.node.daemon;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.snipblock.cluster.ClusterConfig;
import org.snipblock.cluster.ClusterNode;
import org.snipblock.cluster.membership.Endpoint;
import org.snipblock.cluster.topology.Location;
import org.snipblock.node.OperatorError;
import org.snipblock.node.config.NodeConfig;
import org.snipblock.store.SnippetStore;

/**
 * Starts a node from its config: claims the data directory, opens the store, joins the cluster
 * when a cluster port is configured, starts serving.
 */
public final class NodeLauncher {
  /** The store's files live here inside the data directory, beside node.lock and node.json. */
  public static final String STORE_DIR = "store";
  /** The cluster metadata's raft log lives here inside the data directory. */
  public static final String CLUSTER_DIR = "cluster";

  private NodeLauncher() {}

  /** @throws OperatorError when the data directory, the store, a port or a volume is at fault */
  public static Node launch(NodeConfig config) {
    DataDir dataDir = DataDir.claim(config.dataDir());
    SnippetStore store;
    try {
      store = openStore(dataDir.path().resolve(STORE_DIR), config);
    } catch (RuntimeException e) {
      dataDir.close();
      throw e;
    }
    if (!config.clustered()) {
      return Node.start(config, dataDir, store, store);
    }
    ClusterNode cluster;
    try {
      cluster = joinCluster(config, dataDir, store);
    } catch (RuntimeException e) {
      store.close();
      dataDir.close();
      throw e;
    }
    return Node.start(config, dataDir, cluster, () -> {
      try {
        cluster.close();
      } finally {
        store.close();
      }
    });
  }

  private static ClusterNode joinCluster(NodeConfig config, DataDir dataDir, SnippetStore store) {
    ClusterConfig clusterConfig;
    try {
      List<Endpoint> join = config.cluster().join().stream().map(Endpoint::parse).toList();
      long capacity = config.store().capacityBytes() > 0 ? config.store().capacityBytes()
          : Math.max(0, dataDir.freeBytes());
      clusterConfig = new ClusterConfig(config.nodeId(), Location.parse(config.location()),
          new Endpoint(config.listen(), config.cluster().port()), join, 0,
          dataDir.path().resolve(CLUSTER_DIR), capacity, config.cluster().relocation(), config.cluster().tls());
    } catch (IllegalArgumentException e) {
      throw new OperatorError("invalid cluster settings: " + e.getMessage(), e);
    }
    ClusterNode cluster = new ClusterNode(clusterConfig, store, config.cluster().volumeDefaults(),
        config.cluster().replication(), new org.snipblock.cluster.topology.Placement(), config.cluster().sites());
    try {
      return cluster.start();
    } catch (IOException | RuntimeException e) {
      cluster.close();
      throw new OperatorError("cannot join the cluster on " + config.listen() + ":" + config.cluster().port()
          + ": " + e.getMessage(), e);
    }
  }

  private static SnippetStore openStore(Path dir, NodeConfig config) {
    try {
      return SnippetStore.open(dir, config.store());
    } catch (IOException e) {
      String why = String.valueOf(e.getMessage());
      if (why.contains("No space left on device")) {
        throw new OperatorError("disk full: cannot open the store in " + dir + ": " + why, e);
      }
      throw new OperatorError("cannot open the store in " + dir + ": " + why, e);
    }
  }
}
