package org.snipblock.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.snipblock.cluster.testing.Images.random;
import static org.snipblock.cluster.testing.Images.read;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.BlockDevice;
import org.snipblock.cluster.meta.Stripes;
import org.snipblock.cluster.proto.SnippetPlacement;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.replica.ReplicationMode;
import org.snipblock.cluster.replica.ReplicationSettings;
import org.snipblock.cluster.testing.Eventually;
import org.snipblock.cluster.testing.TestCluster;
import org.snipblock.cluster.topology.FailureDomain;
import org.snipblock.store.VolumeSpec;

/**
 * A clustered volume far bigger than its nodes (thin): its record lists a few placement stripes, not
 * one entry per snippet, so creating, cloning and growing it costs the same as for a small one; data
 * in snippets of one stripe lands on that stripe's holders, and a holder that missed writes is
 * resynced over every snippet of the stripes it holds.
 */
class StripedPlacementTest {
  private static final Duration T = Duration.ofSeconds(60);
  private static final int SNIPPET = 4 << 20;
  private static final long SIZE = 64L << 30;   // 16384 snippets, the nodes have 1 GiB each

  @TempDir Path dir;
  private TestCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private VolumeRecord record(int node, String name) {
    return cluster.node(node).metadata().volume(name).orElseThrow();
  }

  private static void writeAt(BlockDevice d, long offset, byte[] data) throws Exception {
    d.write(offset, ByteBuffer.wrap(data), true).get(30, TimeUnit.SECONDS);
  }

  /** The holder of stripe {@code stripe} that is not the primary. */
  private static String otherHolder(VolumeRecord v, int stripe) {
    return v.getSnippets(stripe).getNodesList().stream().filter(n -> !n.equals(v.getPrimary())).findFirst()
        .orElseThrow();
  }

  @Test
  void aVolumeBiggerThanItsNodesIsPlacedInStripesAndItsDataFollowsThem() throws Exception {
    cluster = TestCluster.threeCompartments(dir, new ReplicationSettings(64L << 20, Duration.ofSeconds(20), 0,
        Duration.ofSeconds(1), Duration.ofMinutes(10)));
    cluster.node(0).volumes().create(new VolumeSpec("big", SIZE, SNIPPET, 512, false),
        new RedundancyPolicy(2, 1, FailureDomain.COMPARTMENT, ReplicationMode.SYNC));
    VolumeRecord v = record(0, "big");
    assertThat(v.getSnippetsCount()).isEqualTo(Stripes.MAX);
    assertThat(v.getSerializedSize()).as("the record does not grow with the volume").isLessThan(2048);
    Set<String> seconds = new TreeSet<>();
    for (SnippetPlacement s : v.getSnippetsList()) {
      assertThat(s.getNodesList()).hasSize(2).startsWith("n0");
      seconds.add(s.getNodes(1));
    }
    assertThat(seconds).as("the stripes fan out over the other nodes").containsExactly("n1", "n2");

    // Snippets 1 and 33 share stripe 1; the last snippet is on stripe 16383 % 32 = 31.
    long first = SNIPPET + 4096;
    long second = 33L * SNIPPET + 8192;
    long last = SIZE - 4096;
    byte[] a = random(4096, 1);
    byte[] b = random(4096, 2);
    byte[] c = random(4096, 3);
    try (BlockDevice d = cluster.node(0).volumes().open("big").orElseThrow()) {
      writeAt(d, first, a);
      writeAt(d, second, b);
      writeAt(d, last, c);
    }
    String holder1 = otherHolder(v, 1);
    String holder31 = otherHolder(v, 31);
    int h1 = Integer.parseInt(holder1.substring(1));
    int h31 = Integer.parseInt(holder31.substring(1));
    Eventually.await("the copies hold every write", T, () -> cluster.node(0).volumes().describe("big")
        .map(x -> x.lagBytes() == 0).orElse(false));
    try (BlockDevice copy = cluster.stores.get(h1).open("big").orElseThrow()) {
      assertThat(read(copy, first, 4096)).isEqualTo(a);
      assertThat(read(copy, second, 4096)).isEqualTo(b);
    }
    try (BlockDevice copy = cluster.stores.get(h31).open("big").orElseThrow()) {
      assertThat(read(copy, last, 4096)).isEqualTo(c);
    }
    int notHolder1 = h1 == 1 ? 2 : 1;
    try (BlockDevice elsewhere = cluster.stores.get(notHolder1).open("big").orElseThrow()) {
      assertThat(read(elsewhere, second, 4096)).as("stripe 1 is not on n" + notHolder1).isEqualTo(new byte[4096]);
    }

    // The holder of stripe 1 misses a write to snippet 33 and comes back: the resync covers it.
    cluster.node(h1).close();
    byte[] b2 = random(4096, 4);
    try (BlockDevice d = cluster.node(0).volumes().open("big").orElseThrow()) {
      writeAt(d, second, b2);
    }
    Eventually.await(holder1 + " on record as stale", T, () -> record(0, "big").getSnippets(1).getStaleList()
        .contains(holder1));
    cluster.restart(h1);
    Eventually.await(holder1 + " resynced", T, () -> record(0, "big").getSnippetsList().stream()
        .allMatch(s -> s.getStaleCount() == 0));
    try (BlockDevice copy = cluster.stores.get(h1).open("big").orElseThrow()) {
      assertThat(read(copy, second, 4096)).as("the write it missed").isEqualTo(b2);
      assertThat(read(copy, first, 4096)).isEqualTo(a);
    }
  }

  @Test
  void cloningAndGrowingAVolumeCopyNoPlacementPerSnippet() throws Exception {
    cluster = TestCluster.threeCompartments(dir, new ReplicationSettings(64L << 20, Duration.ofSeconds(20), 0,
        Duration.ofSeconds(1), Duration.ofMinutes(10)));
    cluster.node(0).volumes().create(new VolumeSpec("gold", SIZE, SNIPPET, 512, false),
        new RedundancyPolicy(2, 2, FailureDomain.COMPARTMENT, ReplicationMode.SYNC));
    long at = 40L * SNIPPET;   // stripe 8
    byte[] data = random(4096, 5);
    try (BlockDevice d = cluster.node(0).volumes().open("gold").orElseThrow()) {
      writeAt(d, at, data);
    }
    cluster.node(0).snapshots().take("gold", "s1").get(60, TimeUnit.SECONDS);
    cluster.node(0).snapshots().cloneOf("gold", "s1", "vm1", 2 * SIZE);
    VolumeRecord gold = record(0, "gold");
    VolumeRecord clone = record(0, "vm1");
    assertThat(clone.getSnippetsList()).as("the parent's stripes, as they are").isEqualTo(gold.getSnippetsList());
    assertThat(clone.getSerializedSize()).isLessThan(2048);
    Eventually.await("the clone is served", T, () -> cluster.node(0).volumes().openPrimary("vm1").isPresent());
    long beyond = 2 * SIZE - 4096;   // a snippet the parent never had, on stripe (32767 % 32) = 31
    byte[] more = random(4096, 6);
    try (BlockDevice d = cluster.node(0).volumes().open("vm1").orElseThrow()) {
      assertThat(read(d, at, 4096)).as("read through to the parent").isEqualTo(data);
      writeAt(d, beyond, more);
      assertThat(read(d, beyond, 4096)).isEqualTo(more);
    }

    cluster.node(0).volumes().resize("gold", 2 * SIZE);
    assertThat(record(0, "gold").getSnippetsList()).as("growing adds no placement")
        .isEqualTo(gold.getSnippetsList());
    Eventually.await("the copies grew", T, () -> List.of(0, 1, 2).stream().allMatch(i ->
        cluster.stores.get(i).show("gold").map(x -> x.provisionedBytes() == 2 * SIZE).orElse(true)));
    try (BlockDevice d = cluster.node(0).volumes().open("gold").orElseThrow()) {
      writeAt(d, beyond, more);
      assertThat(read(d, beyond, 4096)).isEqualTo(more);
    }
  }
}
