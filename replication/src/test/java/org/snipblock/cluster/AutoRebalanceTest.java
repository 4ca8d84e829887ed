package org.snipblock.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.snipblock.cluster.testing.Images.crc;
import static org.snipblock.cluster.testing.Images.random;
import static org.snipblock.cluster.testing.Images.write;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.BlockDevice;
import org.snipblock.cluster.meta.Stripes;
import org.snipblock.cluster.replica.ReplicationMode;
import org.snipblock.cluster.replica.ReplicationSettings;
import org.snipblock.cluster.testing.Eventually;
import org.snipblock.cluster.testing.TestCluster;
import org.snipblock.cluster.topology.FailureDomain;
import org.snipblock.store.SnippetLabel;
import org.snipblock.store.SnippetStore;
import org.snipblock.store.VolumeSpec;

/**
 * New capacity is used without the operator: a node that joins a running cluster empty receives
 * copies from the leader's automatic rebalance until it holds a fair share, while writes keep
 * arriving; every copy stays at its policy, the data verifies, and the new node's labels name the
 * holders. A spread within the margin moves nothing.
 */
class AutoRebalanceTest {
  private static final int SNIPPET = 1 << 20;
  private static final int SNIPPETS = 24;
  private static final int SIZE = SNIPPETS * SNIPPET;
  private static final Duration T = Duration.ofSeconds(120);
  // Fill is placed bytes over 1 GiB: 24 MiB on the primary is 2.3 points, a newcomer 0.
  private static final RelocationSettings MARGIN_1 = RelocationSettings.defaults().withRebalanceMargin(1);

  @TempDir Path dir;
  private TestCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aJoinedNodeReceivesItsFairShareWhileWritesGoOn() throws Exception {
    RelocationSettings[] relocation = {MARGIN_1, MARGIN_1, MARGIN_1, MARGIN_1};
    cluster = TestCluster.start(dir, new ReplicationSettings(1 << 20, Duration.ofSeconds(10), 0,
        Duration.ofSeconds(1), Duration.ofMinutes(10)), relocation,
        "dc/fc1/r1/h1", "dc/fc2/r1/h2", "dc/fc3/r1/h3", "dc/fc4/r1/h4");
    ClusterNode primary = cluster.node(1);
    primary.volumes().create(new VolumeSpec("big", SIZE, SNIPPET, 512, false),
        new RedundancyPolicy(3, 2, FailureDomain.COMPARTMENT, ReplicationMode.SYNC));
    Eventually.await("big known everywhere", T,
        () -> cluster.nodes.stream().allMatch(n -> n.volumes().describe("big").isPresent()));
    byte[] image = random(SIZE, 11);
    try (BlockDevice door = cluster.node(2).volumes().open("big").orElseThrow()) {
      write(door, image, 0, SIZE);
      door.flush().get(60, TimeUnit.SECONDS);
      assertThat(AutoRebalance.spreadPercent(primary.volumes().descriptors(), primary.metadata().volumes()))
          .as("before the join, within the margin").isLessThan(1);

      ClusterNode joined = cluster.join("dc/fc5/r1/h5", MARGIN_1);
      // Writes keep arriving through a door on another node while copies move to n4: none may fail.
      byte[] next = random(SIZE, 12);
      List<CompletableFuture<Void>> writes = new ArrayList<>();
      int block = 64 << 10;
      for (int off = 0; off < SIZE; off += 4 * block) {
        System.arraycopy(next, off, image, off, block);
        writes.add(door.write(off, ByteBuffer.wrap(next, off, block), false));
      }
      CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      Eventually.await("n4 received copies and the plan is done", T,
          () -> held("n4") > 0 && primary.status().moving().isEmpty() && RebalancePlan.compute(
              primary.volumes().descriptors(), primary.metadata().volumes(), primary.placement()).moves().isEmpty(),
          () -> "n4 holds " + held("n4") + ", moving " + primary.status().moving());
      door.flush().get(60, TimeUnit.SECONDS);
      ByteBuffer back = ByteBuffer.allocate(SIZE);
      door.read(0, back).get(60, TimeUnit.SECONDS);
      assertThat(crc(back.array())).as("every acknowledged write reads back").isEqualTo(crc(image));
      assertThat(joined.nodeId()).isEqualTo("n4");
    }
    ClusterVolume v = primary.volumes().describe("big").orElseThrow();
    assertThat(v.stale()).isEmpty();
    // A fair share: n4 holds within one placement entry of every other node that is not the primary.
    List<Long> others = List.of(placed("n0"), placed("n2"), placed("n3"));
    long entry = Stripes.bytesOf(primary.metadata().volume("big").orElseThrow(), 0);
    assertThat(placed("n4")).as("n4's placed bytes vs n0, n2, n3: %s", others)
        .isGreaterThanOrEqualTo(others.stream().mapToLong(Long::longValue).min().orElseThrow() - entry);
    for (List<String> holders : v.snippetReplicas()) {
      assertThat(holders).hasSize(3).doesNotHaveDuplicates();
    }
    assertThat(primary.verify("big").get(60, TimeUnit.SECONDS).clean()).isTrue();
    SnippetStore n4 = cluster.stores.get(4);
    Eventually.await("n4's labels name the holders", T, () -> {
      List<List<String>> now = cluster.node(4).volumes().describe("big").orElseThrow().snippetReplicas();
      List<SnippetLabel> labels = n4.labelIndex().labels("big");
      return !labels.isEmpty() && labels.stream().allMatch(l -> l.replicas().equals(now.get((int) l.ref().index())));
    });
  }

  /** Snippets of big the node holds a copy of. */
  private int held(String node) {
    return (int) cluster.node(1).volumes().describe("big").orElseThrow().snippetReplicas().stream()
        .filter(h -> h.contains(node)).count();
  }

  /** Bytes of the placement entries the node holds, as the rebalance measures fill. */
  private long placed(String node) {
    return RebalancePlan.placedBytes(cluster.node(1).metadata().volumes()).getOrDefault(node, 0L);
  }

}
