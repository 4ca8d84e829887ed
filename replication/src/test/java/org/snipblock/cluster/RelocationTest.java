package org.snipblock.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.snipblock.cluster.testing.Images.crc;
import static org.snipblock.cluster.testing.Images.random;
import static org.snipblock.cluster.testing.Images.write;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.BlockDevice;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.replica.ReplicationMode;
import org.snipblock.cluster.replica.ReplicationSettings;
import org.snipblock.cluster.testing.Eventually;
import org.snipblock.cluster.testing.TestCluster;
import org.snipblock.cluster.topology.FailureDomain;
import org.snipblock.store.SnippetLabel;
import org.snipblock.store.SnippetStore;
import org.snipblock.store.VolumeSpec;

/**
 * A node filled past its capacity threshold (or busier than its IOPS threshold) sheds snippet
 * copies until it is below; every snippet keeps its copies and data; the labels in that node's
 * store alone still name the right holders; an enforced ASYNC move makes its stripe async only
 * while it moves.
 */
class RelocationTest {
  private static final int SNIPPET = 1 << 20;
  private static final int SNIPPETS = 24;
  private static final int SIZE = SNIPPETS * SNIPPET;
  // n0 offers 1 GiB and sheds above 1% of it (10.7 MB); it starts holding about two thirds of 24 MiB.
  private static final int THRESHOLD = 1;

  @TempDir Path dir;
  private TestCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aNodeAboveItsThresholdShedsCopiesUntilBelowAndItsLabelsStayTrue() throws Exception {
    // The operator enforces asynchronous moves: each moving stripe is async until its switch.
    RelocationSettings none = RelocationSettings.defaults();
    RelocationSettings full = new RelocationSettings(THRESHOLD, 0, Duration.ZERO, RelocationSettings.MoveMode.ASYNC,
        RelocationSettings.DEFAULT_REBALANCE_MARGIN);
    cluster = TestCluster.start(dir, new ReplicationSettings(1 << 20, Duration.ofSeconds(10), 0,
        Duration.ofSeconds(1), Duration.ofMinutes(10)), new RelocationSettings[] {full, none, none, none},
        "dc/fc1/r1/h1", "dc/fc2/r1/h2", "dc/fc3/r1/h3", "dc/fc4/r1/h4");
    java.util.Set<Integer> asyncWhileMoving = java.util.concurrent.ConcurrentHashMap.newKeySet();
    cluster.node(1).metadata().onVolumeChange(r -> {
      for (int i = 0; i < r.getSnippetsCount(); i++) {
        if (r.getSnippets(i).getMode().equals("async")) {
          asyncWhileMoving.add(i);
        }
      }
    });
    int before = bigWithCopiesOnN0();
    byte[] image = random(SIZE, 7);
    try (BlockDevice door = cluster.node(2).volumes().open("big").orElseThrow()) {
      write(door, image, 0, SIZE);
      door.flush().get(60, TimeUnit.SECONDS);
    }
    long limit = (long) THRESHOLD * (1L << 30) / 100;
    Eventually.await("n0 reported above its threshold, then shed below it", Duration.ofSeconds(180),
        () -> held("n0") < before && usage("n0") <= limit && cluster.node(1).volumes().describe("big").orElseThrow()
            .stale().isEmpty());
    ClusterVolume v = cluster.node(1).volumes().describe("big").orElseThrow();
    for (List<String> holders : v.snippetReplicas()) {
      assertThat(holders).hasSize(3).doesNotHaveDuplicates();
    }
    assertThat(asyncWhileMoving).as("stripes replicated async while they moved").isNotEmpty();
    Eventually.await("every stripe back in the volume's own mode", Duration.ofSeconds(30),
        () -> cluster.node(1).metadata().volume("big").orElseThrow().getSnippetsList().stream()
            .allMatch(p -> p.getMode().isEmpty()) && cluster.node(1).status().moving().isEmpty());
    try (BlockDevice door = cluster.node(3).volumes().open("big").orElseThrow()) {
      ByteBuffer back = ByteBuffer.allocate(SIZE);
      door.read(0, back).get(60, TimeUnit.SECONDS);
      assertThat(crc(back.array())).isEqualTo(crc(image));
    }
    assertThat(cluster.node(1).verify("big").get(60, TimeUnit.SECONDS).clean()).isTrue();
    // Every label in n0's store (held or released) names the snippet's holders as the metadata has them.
    SnippetStore n0 = cluster.stores.get(0);
    Eventually.await("n0's labels rewritten", Duration.ofSeconds(30), () -> {
      ClusterVolume now = cluster.node(0).volumes().describe("big").orElseThrow();
      List<SnippetLabel> labels = n0.labelIndex().labels("big");
      return !labels.isEmpty() && labels.stream()
          .allMatch(l -> l.replicas().equals(now.snippetReplicas().get((int) l.ref().index())));
    });
  }

  /**
   * A node over its IOPS threshold first hands the volume it serves as primary to a calm in-sync
   * holder, then sheds copies while the load lasts (one move per measuring window) and stops once it
   * is idle; the copies keep their policy, the data and the labels stay true.
   */
  @Test
  void aNodeAboveItsIopsThresholdShedsCopiesWhileTheLoadLasts() throws Exception {
    RelocationSettings none = RelocationSettings.defaults();
    RelocationSettings busy = new RelocationSettings(0, 5, Duration.ZERO, RelocationSettings.MoveMode.AUTO,
        RelocationSettings.DEFAULT_REBALANCE_MARGIN);
    cluster = TestCluster.start(dir, new ReplicationSettings(1 << 20, Duration.ofSeconds(10), 0,
        Duration.ofSeconds(1), Duration.ofMinutes(10)), new RelocationSettings[] {busy, none, none, none},
        "dc/fc1/r1/h1", "dc/fc2/r1/h2", "dc/fc3/r1/h3", "dc/fc4/r1/h4");
    bigWithCopiesOnN0();
    cluster.node(0).volumes().create(new VolumeSpec("own", 2 * SNIPPET, SNIPPET, 512, false),
        new RedundancyPolicy(3, 2, FailureDomain.COMPARTMENT, ReplicationMode.SYNC));
    Eventually.await("own in sync on its holders", Duration.ofSeconds(30),
        () -> cluster.node(0).metadata().volume("own").map(r -> r.getPrimary().equals("n0")
            && r.getSnippetsList().stream().allMatch(p -> p.getStaleCount() == 0)).orElse(false));
    // Counted in placement entries (what a move moves), not in snippets: an entry may place several.
    int before = entriesHeld("n0");
    byte[] image = random(SIZE, 8);
    long deadline = System.nanoTime() + Duration.ofSeconds(150).toNanos();
    try (BlockDevice door = cluster.node(2).volumes().open("big").orElseThrow()) {
      write(door, image, 0, SIZE);
      // Rounds of small writes to every snippet (n0 applies its copies' share) until it handed "own" over
      // and shed two copies.
      int block = 4096;
      // The 150 s deadline is what bounds the load; the round cap only backs it up, as rounds take
      // as long as the write path does (6,000 ran out in under 20 s once writes got faster).
      for (int round = 0; round < 100_000 && (entriesHeld("n0") > before - 2 || primaryOf("own").equals("n0"))
          && System.nanoTime() < deadline; round++) {
        byte[] next = random(block, 100 + round);
        List<java.util.concurrent.CompletableFuture<Void>> writes = new java.util.ArrayList<>();
        for (int i = 0; i < SNIPPETS; i++) {
          int off = i * SNIPPET + (round % (SNIPPET / block)) * block;
          System.arraycopy(next, 0, image, off, block);
          writes.add(door.write(off, ByteBuffer.wrap(next), false));
        }
        java.util.concurrent.CompletableFuture.allOf(writes.toArray(java.util.concurrent.CompletableFuture[]::new))
            .get(60, TimeUnit.SECONDS);
      }
      door.flush().get(60, TimeUnit.SECONDS);
    }
    assertThat(entriesHeld("n0")).as("n0 shed copies under load").isLessThanOrEqualTo(before - 2);
    assertThat(primaryOf("own")).as("n0 handed the volume it served to a calm holder").isNotEqualTo("n0");
    // Idle now: the move under way ends, and no other starts once n0 measured a quiet window.
    Eventually.await("the last move ended", Duration.ofSeconds(60),
        () -> cluster.node(1).status().moving().isEmpty()
            && cluster.node(1).volumes().describe("big").orElseThrow().stale().isEmpty());
    ClusterVolume v = cluster.node(1).volumes().describe("big").orElseThrow();
    for (List<String> holders : v.snippetReplicas()) {
      assertThat(holders).hasSize(3).doesNotHaveDuplicates();
    }
    try (BlockDevice door = cluster.node(3).volumes().open("big").orElseThrow()) {
      ByteBuffer back = ByteBuffer.allocate(SIZE);
      door.read(0, back).get(60, TimeUnit.SECONDS);
      assertThat(crc(back.array())).isEqualTo(crc(image));
    }
    assertThat(cluster.node(1).verify("big").get(60, TimeUnit.SECONDS).clean()).isTrue();
    assertThat(cluster.node(Integer.parseInt(primaryOf("own").substring(1))).verify("own").get(60, TimeUnit.SECONDS)
        .clean()).isTrue();
    Eventually.await("n0 measured its store's I/O on record", Duration.ofSeconds(30),
        () -> cluster.node(1).metadata().node("n0").orElseThrow().getIopsThreshold() == 5
            && cluster.node(1).metadata().node("n0").orElseThrow().hasStoreIo());
  }

  /** Creates big: its primary on n1 holds every snippet; the two other copies of each spread over n0, n2, n3. */
  private int bigWithCopiesOnN0() {
    cluster.node(1).volumes().create(new VolumeSpec("big", SIZE, SNIPPET, 512, false),
        new RedundancyPolicy(3, 2, FailureDomain.COMPARTMENT, ReplicationMode.SYNC));
    Eventually.await("big known everywhere", Duration.ofSeconds(30),
        () -> cluster.nodes.stream().allMatch(n -> n.volumes().describe("big").isPresent()));
    int held = held("n0");
    assertThat(held).as("n0 holds copies to shed").isGreaterThan(12);
    return held;
  }

  private int held(String node) {
    return (int) cluster.node(1).volumes().describe("big").orElseThrow().snippetReplicas().stream()
        .filter(h -> h.contains(node)).count();
  }

  private String primaryOf(String volume) {
    return cluster.node(1).metadata().volume(volume).orElseThrow().getPrimary();
  }

  private int entriesHeld(String node) {
    return (int) cluster.node(1).metadata().volume("big").orElseThrow().getSnippetsList().stream()
        .filter(p -> p.getNodesList().contains(node)).count();
  }

  private long usage(String node) {
    return cluster.node(1).status().nodes().stream().filter(n -> n.id().equals(node)).findFirst()
        .map(ClusterStatus.Node::usedBytes).orElseThrow();
  }
}
