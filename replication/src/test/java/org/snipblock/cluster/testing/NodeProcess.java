package org.snipblock.cluster.testing;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.snipblock.block.BlockDevice;
import org.snipblock.cluster.ClusterConfig;
import org.snipblock.cluster.ClusterNode;
import org.snipblock.cluster.ClusterVolume;
import org.snipblock.cluster.RedundancyPolicy;
import org.snipblock.cluster.membership.Endpoint;
import org.snipblock.cluster.replica.ReplicationMode;
import org.snipblock.cluster.replica.ReplicationSettings;
import org.snipblock.cluster.topology.FailureDomain;
import org.snipblock.cluster.topology.Location;
import org.snipblock.store.SnippetStore;
import org.snipblock.store.VolumeSpec;

/**
 * One cluster node in its own JVM, for tests whose point is a process dying (kill -9). Driven by
 * line commands on stdin, one answer line each on stdout, prefixed "@ " (log lines share stdout):
 * {@code create NAME SIZE COPIES MIN MODE}, {@code write NAME OFFSET LENGTH SEED},
 * {@code await-nodes COUNT MILLIS}, {@code await-primary NAME EPOCH MILLIS}, {@code await-serving NAME MILLIS}, {@code await-insync NAME MILLIS [NODE]}, {@code readcrc NAME SIZE}
 * (through the cluster, on the primary), {@code copycrc NAME SIZE} (this node's local copy).
 * Args: id location clusterPort joinList dataDir.
 */
public final class NodeProcess {
  private NodeProcess() {}

  public static void main(String[] args) throws Exception {
    Path data = Path.of(args[4]);
    SnippetStore store = SnippetStore.open(data.resolve("store"), TestCluster.storeConfig());
    ClusterConfig cfg = new ClusterConfig(args[0], Location.parse(args[1]),
        new Endpoint("127.0.0.1", Integer.parseInt(args[2])), Endpoint.parseList(args[3]), 0,
        data.resolve("cluster"), 1L << 30);
    ClusterNode node = new ClusterNode(cfg, store, RedundancyPolicy.defaults(), new ReplicationSettings(8 << 20,
        Duration.ofSeconds(10), 0, Duration.ofSeconds(1), Duration.ofMinutes(10))).start();
    node.registered().get(120, TimeUnit.SECONDS);
    System.out.println("@ ready");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      String[] c = line.trim().split(" ");
      try {
        System.out.println("@ " + run(node, store, c));
      } catch (Exception | AssertionError e) {
        System.out.println("@ error " + e.toString().replace('\n', ' '));
      }
    }
  }

  private static String run(ClusterNode node, SnippetStore store, String[] c) throws Exception {
    switch (c[0]) {
      case "create" -> {
        node.volumes().create(new VolumeSpec(c[1], Long.parseLong(c[2]), TestCluster.SNIPPET, 512, false),
            new RedundancyPolicy(Integer.parseInt(c[3]), Integer.parseInt(c[4]), FailureDomain.COMPARTMENT,
                ReplicationMode.parse(c[5])));
        return "ok";
      }
      case "write" -> {
        byte[] data = bytes(Integer.parseInt(c[3]), Long.parseLong(c[4]));
        long offset = Long.parseLong(c[2]);
        try (BlockDevice d = node.volumes().openPrimary(c[1]).orElseThrow(() -> new IllegalStateException("not primary"))) {
          List<CompletableFuture<Void>> writes = new ArrayList<>();
          for (int off = 0; off < data.length; off += 16384) {
            writes.add(d.write(offset + off, ByteBuffer.wrap(data, off, 16384), false));
          }
          CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
          d.flush().get(30, TimeUnit.SECONDS);
        }
        return "ok";
      }
      case "await-primary" -> {
        long epoch = Long.parseLong(c[2]);
        Eventually.await("epoch " + epoch, Duration.ofMillis(Long.parseLong(c[3])), () -> node.volumes()
            .describe(c[1]).map(v -> v.epoch() >= epoch).orElse(false));
        ClusterVolume v = node.volumes().describe(c[1]).orElseThrow();
        return "primary " + v.primary() + " " + v.epoch();
      }
      case "await-nodes" -> {
        int count = Integer.parseInt(c[1]);
        Eventually.await(count + " nodes up", Duration.ofMillis(Long.parseLong(c[2])), () -> node.status().nodes()
            .stream().filter(n -> n.state().equals("UP")).count() == count);
        return "ok";
      }
      case "await-serving" -> {
        Eventually.await("serving " + c[1], Duration.ofMillis(Long.parseLong(c[2])),
            () -> node.volumes().openPrimary(c[1]).map(d -> {
              d.close();
              return true;
            }).orElse(false));
        return "ok";
      }
      case "await-insync" -> {
        // With a node id: until that node's copy is in sync; without: until every copy is.
        Eventually.await("copies in sync", Duration.ofMillis(Long.parseLong(c[2])), () -> node.volumes()
            .describe(c[1]).map(v -> c.length > 3 ? !v.stale().contains(c[3]) : v.stale().isEmpty()).orElse(false));
        return "ok";
      }
      case "readcrc" -> {
        try (BlockDevice d = node.volumes().openPrimary(c[1]).orElseThrow(() -> new IllegalStateException("not primary"))) {
          return "crc " + crc(d, Integer.parseInt(c[2]));
        }
      }
      case "copycrc" -> {
        try (BlockDevice d = store.open(c[1]).orElseThrow()) {
          return "crc " + crc(d, Integer.parseInt(c[2]));
        }
      }
      default -> {
        return "error unknown command " + c[0];
      }
    }
  }

  /** The bytes "write ... LENGTH SEED" writes; tests compute the same to know what to expect. */
  public static byte[] bytes(int length, long seed) {
    byte[] b = new byte[length];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static long crc(BlockDevice d, int size) throws Exception {
    ByteBuffer b = ByteBuffer.allocate(size);
    d.read(0, b).get(30, TimeUnit.SECONDS);
    CRC32C crc = new CRC32C();
    crc.update(b.flip());
    return crc.getValue();
  }
}
