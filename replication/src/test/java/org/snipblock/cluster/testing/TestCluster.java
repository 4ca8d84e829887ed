package org.snipblock.cluster.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.snipblock.block.FreePorts;
import org.snipblock.cluster.ClusterConfig;
import org.snipblock.cluster.ClusterNode;
import org.snipblock.cluster.RedundancyPolicy;
import org.snipblock.cluster.RelocationSettings;
import org.snipblock.cluster.follow.SiteSettings;
import org.snipblock.cluster.membership.Endpoint;
import org.snipblock.cluster.replica.ReplicationSettings;
import org.snipblock.cluster.topology.Location;
import org.snipblock.cluster.topology.Placement;
import org.snipblock.store.SnippetStore;
import org.snipblock.store.StoreConfig;

/** Several real cluster nodes in this JVM on 127.0.0.1, each with its own on-disk snippet store. */
public final class TestCluster implements AutoCloseable {
  public static final int SNIPPET = 64 << 10;

  public final List<ClusterNode> nodes = new ArrayList<>();
  public final List<SnippetStore> stores = new ArrayList<>();
  private final List<ClusterConfig> configs = new ArrayList<>();
  private ReplicationSettings settings;
  private SiteSettings sites = SiteSettings.defaults();
  private Path dir;

  /** Starts one node per location, named n0, n1, ...; waits until every node knows every other. */
  /** Three nodes, one in each of three compartments: the shape most cluster tests need. */
  public static TestCluster threeCompartments(Path dir, ReplicationSettings settings) throws Exception {
    return start(dir, settings, "dc/fc1/r1/h1", "dc/fc2/r1/h2", "dc/fc3/r1/h3");
  }

  public static TestCluster start(Path dir, ReplicationSettings settings, String... locations) throws Exception {
    return start(dir, settings, SiteSettings.defaults(), locations);
  }

  /** As {@link #start(Path, ReplicationSettings, String...)}, node i with capacity threshold {@code thresholds[i]} percent. */
  public static TestCluster start(Path dir, ReplicationSettings settings, int[] thresholds, String... locations)
      throws Exception {
    RelocationSettings[] relocation = new RelocationSettings[locations.length];
    for (int i = 0; i < locations.length; i++) {
      relocation[i] = RelocationSettings.defaults().withCapacityThreshold(thresholds[i]);
    }
    return start(dir, settings, relocation, SiteSettings.defaults(), locations);
  }

  /** As {@link #start(Path, ReplicationSettings, String...)}, node i with relocation settings {@code relocation[i]}. */
  public static TestCluster start(Path dir, ReplicationSettings settings, RelocationSettings[] relocation,
      String... locations) throws Exception {
    return start(dir, settings, relocation, SiteSettings.defaults(), locations);
  }

  /** As {@link #start(Path, ReplicationSettings, String...)} with these site settings (a simulated WAN, say). */
  public static TestCluster start(Path dir, ReplicationSettings settings, SiteSettings sites, String... locations)
      throws Exception {
    RelocationSettings[] relocation = new RelocationSettings[locations.length];
    java.util.Arrays.fill(relocation, RelocationSettings.defaults());
    return start(dir, settings, relocation, sites, locations);
  }

  private static TestCluster start(Path dir, ReplicationSettings settings, RelocationSettings[] relocation,
      SiteSettings sites,
      String... locations)
      throws Exception {
    TestCluster c = new TestCluster();
    c.settings = settings;
    c.sites = sites;
    c.dir = dir;
    try {
      List<Endpoint> join = FreePorts.take(locations.length).stream().map(p -> new Endpoint("127.0.0.1", p)).toList();
      for (int i = 0; i < locations.length; i++) {
        SnippetStore store = SnippetStore.open(dir.resolve("n" + i + "/store"), storeConfig());
        c.stores.add(store);
        ClusterConfig cfg = new ClusterConfig("n" + i, Location.parse(locations[i]), join.get(i), join, 0,
            dir.resolve("n" + i + "/cluster"), 1L << 30, relocation[i]);
        c.configs.add(cfg);
        c.nodes.add(new ClusterNode(cfg, store, RedundancyPolicy.defaults(), settings, new Placement(), sites).start());
      }
      for (ClusterNode n : c.nodes) {
        n.registered().get(60, TimeUnit.SECONDS);
      }
      Eventually.await("every node registered everywhere and in view", Duration.ofSeconds(30),
          () -> c.nodes.stream().allMatch(n -> n.status().nodes().size() == locations.length
              && n.status().nodes().stream().allMatch(s -> s.state().equals("UP"))));
      return c;
    } catch (Exception | AssertionError e) {
      c.close();
      throw e;
    }
  }

  public static StoreConfig storeConfig() {
    StoreConfig d = StoreConfig.defaults();
    return new StoreConfig(SNIPPET, 0, 0, 4L << 20, d.checkpointInterval(), 2, 2L << 20, null,
        StoreConfig.DEFAULT_BACKGROUND_RATE, null);
  }

  /** Starts node i again on its old cluster address, raft log and store (after {@code node(i).close()}). */
  public ClusterNode restart(int i) throws Exception {
    ClusterNode n = new ClusterNode(configs.get(i), stores.get(i), RedundancyPolicy.defaults(), settings, new Placement(), sites).start();
    nodes.set(i, n);
    n.registered().get(60, TimeUnit.SECONDS);
    return n;
  }

  /**
   * Starts one more node at run time, named n{@code size}, on a fresh store, joining through the
   * running members (not itself) as {@code serve --join} does; returns once it is registered.
   */
  public ClusterNode join(String location, RelocationSettings relocation) throws Exception {
    int i = nodes.size();
    SnippetStore store = SnippetStore.open(dir.resolve("n" + i + "/store"), storeConfig());
    stores.add(store);
    List<Endpoint> members = configs.stream().map(ClusterConfig::cluster).toList();
    ClusterConfig cfg = new ClusterConfig("n" + i, Location.parse(location),
        new Endpoint("127.0.0.1", FreePorts.take(1).get(0)), members, 0, dir.resolve("n" + i + "/cluster"), 1L << 30,
        relocation);
    configs.add(cfg);
    ClusterNode n = new ClusterNode(cfg, store, RedundancyPolicy.defaults(), settings, new Placement(), sites)
        .start();
    nodes.add(n);
    n.registered().get(60, TimeUnit.SECONDS);
    return n;
  }

  public ClusterNode node(int i) {
    return nodes.get(i);
  }

  @Override
  public void close() {
    for (ClusterNode n : nodes) {
      n.close();
    }
    for (SnippetStore s : stores) {
      s.close();
    }
  }
}
