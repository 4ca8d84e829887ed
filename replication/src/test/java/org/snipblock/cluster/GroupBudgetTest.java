package org.snipblock.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snipblock.block.BlockDevice;
import org.snipblock.cluster.replica.ReplicationMode;
import org.snipblock.cluster.replica.ReplicationSettings;
import org.snipblock.cluster.testing.Eventually;
import org.snipblock.cluster.testing.TestCluster;
import org.snipblock.cluster.topology.FailureDomain;
import org.snipblock.store.VolumeSpec;
import org.snipblock.store.qos.QosLimits;

/**
 * A QoS group whose two members have their primaries on different nodes: the members together hold
 * the group's budget (each node throttles at its share), and one member alone gets most of it.
 */
class GroupBudgetTest {
  private static final Logger log = LoggerFactory.getLogger(GroupBudgetTest.class);
  private static final int BUDGET = 200;
  private static final int DEPTH = 4;

  @TempDir Path dir;
  private TestCluster cluster;
  private final ExecutorService clients = Executors.newFixedThreadPool(2 * DEPTH);

  @AfterEach
  void stop() {
    clients.shutdownNow();
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void membersWithPrimariesOnTwoNodesTogetherHoldTheGroupsBudget() throws Exception {
    cluster = TestCluster.start(dir, new ReplicationSettings(1 << 20, Duration.ofSeconds(10), 0,
        Duration.ofSeconds(1), Duration.ofMinutes(10)), "dc/fc1/r1/h1", "dc/fc2/r1/h2");
    for (String v : List.of("d1", "d2")) {
      cluster.node(0).volumes().create(new VolumeSpec(v, 4 << 20, TestCluster.SNIPPET, 512, false),
          new RedundancyPolicy(2, 1, FailureDomain.COMPARTMENT, ReplicationMode.SYNC));
    }
    ClusterVolume d1 = seenEverywhere("d1");
    ClusterVolume d2 = seenEverywhere("d2");
    if (d1.primary().equals(d2.primary())) {
      String other = d1.primary().equals("n0") ? "n1" : "n0";
      Eventually.await("d2's copy on " + other + " in sync", Duration.ofSeconds(60),
          () -> cluster.node(index(d2.primary())).volumes().describe("d2").orElseThrow().stale().isEmpty());
      new PrimaryHandover(cluster.node(index(d2.primary()))).move("d2", other);
    }
    String p1 = seenEverywhere("d1").primary();
    String p2 = seenEverywhere("d2").primary();
    assertThat(p1).as("the members' primaries").isNotEqualTo(p2);
    cluster.node(0).volumes().setQos("d1", QosLimits.parse("iops-total=" + BUDGET), "vm1");
    cluster.node(0).volumes().setQos("d2", null, "vm1");
    Eventually.await("the group on both nodes", Duration.ofSeconds(30), () -> cluster.nodes.stream()
        .allMatch(n -> n.volumes().describe("d2").isPresent()
            && n.qos().view("d2").map(q -> q.members().size() == 2).orElse(false)));

    try (BlockDevice one = cluster.node(index(p1)).volumes().open("d1").orElseThrow();
        BlockDevice two = cluster.node(index(p2)).volumes().open("d2").orElseThrow()) {
      List<Future<Long>> both = new ArrayList<>();
      both.addAll(load(one, 4, 10));
      both.addAll(load(two, 4, 10));
      long first = sum(both.subList(0, DEPTH));
      long second = sum(both.subList(DEPTH, 2 * DEPTH));
      double together = (first + second) / 6.0;
      log.info("group at iops-total={} over {} and {}: d1 {} + d2 {} = {} IOPS", BUDGET, p1, p2, first / 6.0,
          second / 6.0, together);
      // Each node alone would allow the whole budget (400 together); shared, the sum stays near 200.
      assertThat(together).as("both members together, group budget %d", BUDGET).isBetween(BUDGET * 0.5, BUDGET * 1.4);
      assertThat(Math.min(first, second) / 6.0).as("neither member starved").isGreaterThan(BUDGET * 0.15);

      // One member alone: its node's share grows to most of the budget (more than an even split).
      double alone = sum(load(one, 4, 10)) / 6.0;
      log.info("d1 alone in group vm1: {} IOPS", alone);
      assertThat(alone).as("one member alone").isBetween(BUDGET * 0.65, BUDGET * 1.4);
    }
  }

  /**
   * {@link #DEPTH} writers on {@code device} for {@code seconds}; each future counts the writes that
   * completed after the first {@code warmup} seconds (the shares settle in a window or two).
   */
  private List<Future<Long>> load(BlockDevice device, int warmup, int seconds) {
    long start = System.nanoTime();
    long counting = start + TimeUnit.SECONDS.toNanos(warmup);
    long end = start + TimeUnit.SECONDS.toNanos(seconds);
    List<Future<Long>> out = new ArrayList<>();
    for (int w = 0; w < DEPTH; w++) {
      long offset = (long) w * (1 << 20);
      out.add(clients.submit(() -> {
        long counted = 0;
        ByteBuffer block = ByteBuffer.allocate(4096);
        for (int i = 0; i < 1_000_000 && System.nanoTime() < end; i++) {
          device.write(offset + (i % 256) * 4096L, block.clear(), false).get(30, TimeUnit.SECONDS);
          if (System.nanoTime() >= counting && System.nanoTime() < end) {
            counted++;
          }
        }
        return counted;
      }));
    }
    return out;
  }

  private static long sum(List<Future<Long>> counts) throws Exception {
    long total = 0;
    for (Future<Long> f : counts) {
      total += f.get(2, TimeUnit.MINUTES);
    }
    return total;
  }

  private ClusterVolume seenEverywhere(String name) {
    Eventually.await(name + " on every node", Duration.ofSeconds(30),
        () -> cluster.nodes.stream().allMatch(n -> n.volumes().describe(name).isPresent()));
    return cluster.node(0).volumes().describe(name).orElseThrow();
  }

  private static int index(String node) {
    return Integer.parseInt(node.substring(1));
  }
}
