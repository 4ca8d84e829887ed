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
 * A node filled past its capacity threshold sheds snippet copies until it is below; every snippet
 * keeps its copies and data; the labels in that node's store alone still name the right holders.
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
    cluster = TestCluster.start(dir, new ReplicationSettings(1 << 20, Duration.ofSeconds(10), 0,
        Duration.ofSeconds(1), Duration.ofMinutes(10)), new int[] {THRESHOLD, 0, 0, 0},
        "dc/fc1/r1/h1", "dc/fc2/r1/h2", "dc/fc3/r1/h3", "dc/fc4/r1/h4");
    // The primary on n1 holds every snippet; the two other copies of each spread over n0, n2, n3.
    cluster.node(1).volumes().create(new VolumeSpec("big", SIZE, SNIPPET, 512, false),
        new RedundancyPolicy(3, 2, FailureDomain.COMPARTMENT, ReplicationMode.SYNC));
    Eventually.await("big known everywhere", Duration.ofSeconds(30),
        () -> cluster.nodes.stream().allMatch(n -> n.volumes().describe("big").isPresent()));
    int before = held("n0");
    assertThat(before).as("n0 holds copies to shed").isGreaterThan(12);
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

  private int held(String node) {
    return (int) cluster.node(1).volumes().describe("big").orElseThrow().snippetReplicas().stream()
        .filter(h -> h.contains(node)).count();
  }

  private long usage(String node) {
    return cluster.node(1).status().nodes().stream().filter(n -> n.id().equals(node)).findFirst()
        .map(ClusterStatus.Node::usedBytes).orElseThrow();
  }
}
