package org.snipblock.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
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
import org.snipblock.cluster.replica.ReplicationMode;
import org.snipblock.cluster.replica.ReplicationSettings;
import org.snipblock.cluster.testing.Eventually;
import org.snipblock.cluster.testing.Images;
import org.snipblock.cluster.testing.TestCluster;
import org.snipblock.cluster.topology.FailureDomain;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeSpec;

/** A planned handover: refused when the target cannot take over; else a higher epoch, every copy in sync, no write lost. */
class MovePrimaryTest {
  @TempDir Path dir;
  private TestCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private void start() throws Exception {
    cluster = TestCluster.start(dir, new ReplicationSettings(1 << 20, Duration.ofSeconds(10), 0,
        Duration.ofSeconds(1), Duration.ofMinutes(10)), "dc/fc1/r1/h1", "dc/fc2/r1/h2", "dc/fc3/r1/h3", "dc/fc4/r1/h4");
  }

  @Test
  void refusesUnfitTargetsAndChangesNothing() throws Exception {
    start();
    // One snippet, two copies on four nodes: two nodes hold no copy at all.
    cluster.node(0).volumes().create(new VolumeSpec("vm1", TestCluster.SNIPPET, TestCluster.SNIPPET, 512, false),
        new RedundancyPolicy(2, 2, FailureDomain.COMPARTMENT, ReplicationMode.SYNC));
    ClusterVolume v = everywhere("vm1");
    int primary = index(v.primary());
    PrimaryHandover handover = new PrimaryHandover(cluster.node(primary));
    String holder = v.snippetReplicas().get(0).stream().filter(n -> !n.equals(v.primary())).findFirst().orElseThrow();
    String outsider = List.of("n0", "n1", "n2", "n3").stream()
        .filter(n -> v.snippetReplicas().stream().noneMatch(s -> s.contains(n))).findFirst().orElseThrow();

    assertThatThrownBy(() -> handover.move("nope", holder)).isInstanceOf(VolumeAdminException.class)
        .hasMessage("no volume named nope");
    assertThatThrownBy(() -> handover.move("vm1", "n9")).hasMessage("no node named n9 in the cluster");
    assertThatThrownBy(() -> handover.move("vm1", v.primary()))
        .hasMessage("node " + v.primary() + " already is the primary of vm1");
    assertThatThrownBy(() -> handover.move("vm1", outsider)).hasMessage("node " + outsider + " holds no copy of vm1");
    assertThatThrownBy(() -> new PrimaryHandover(cluster.node(index(holder))).move("vm1", holder))
        .hasMessage("node " + holder + " is not the primary of vm1; ask its primary " + v.primary());
    String other = List.of("n0", "n1", "n2", "n3").stream().filter(n -> !n.equals(v.primary())).findFirst().orElseThrow();
    assertThatThrownBy(() -> new PrimaryHandover(cluster.node(index(other))).move("vm1", v.primary()))
        .hasMessageContaining("already is the primary");
    assertThat(cluster.node(0).volumes().describe("vm1").orElseThrow().epoch()).isEqualTo(1);
  }

  @Test
  void refusesAStaleCopy() throws Exception {
    start();
    int size = TestCluster.SNIPPET;
    cluster.node(0).volumes().create(new VolumeSpec("vm1", size, TestCluster.SNIPPET, 512, false),
        new RedundancyPolicy(3, 2, FailureDomain.COMPARTMENT, ReplicationMode.SYNC));
    ClusterVolume v = everywhere("vm1");
    String holder = v.snippetReplicas().get(0).stream().filter(n -> !n.equals(v.primary())).findFirst().orElseThrow();
    cluster.node(index(holder)).close();
    // A write the closed holder misses puts it on record as stale before it is acknowledged.
    try (BlockDevice d = cluster.node(index(v.primary())).volumes().open("vm1").orElseThrow()) {
      write(d, random(size, 5), 0, size);
    }
    assertThatThrownBy(() -> new PrimaryHandover(cluster.node(index(v.primary()))).move("vm1", holder))
        .hasMessage("node " + holder + " holds a stale copy of vm1 (it is being resynced): wait until it is in sync");
    assertThat(cluster.node(index(v.primary())).volumes().describe("vm1").orElseThrow().epoch()).isEqualTo(1);
  }

  @Test
  void handsOverAtAHigherEpochWhileWritesRunAndLosesNone() throws Exception {
    cluster = TestCluster.threeCompartments(dir, new ReplicationSettings(1 << 20, Duration.ofSeconds(10), 0,
        Duration.ofSeconds(1), Duration.ofMinutes(10)));
    int size = 1 << 20;
    cluster.node(0).volumes().create(new VolumeSpec("vm1", size, TestCluster.SNIPPET, 512, false),
        new RedundancyPolicy(3, 2, FailureDomain.COMPARTMENT, ReplicationMode.SYNC));
    ClusterVolume v = everywhere("vm1");
    String target = v.snippetReplicas().get(0).stream().filter(n -> !n.equals(v.primary())).findFirst().orElseThrow();
    String bystander = List.of("n0", "n1", "n2").stream()
        .filter(n -> !n.equals(v.primary()) && !n.equals(target)).findFirst().orElseThrow();
    byte[] image = random(size, 3);
    try (BlockDevice door = cluster.node(index(bystander)).volumes().open("vm1").orElseThrow()) {
      write(door, image, 0, size);
      // Writes keep arriving through a door on a third node while the primary moves: none may fail.
      byte[] next = random(size, 4);
      List<CompletableFuture<Void>> writes = new ArrayList<>();
      int block = 4096;
      for (int off = 0; off < size / 2; off += block) {
        System.arraycopy(next, off, image, off, block);
        writes.add(door.write(off, ByteBuffer.wrap(next, off, block), false));
      }
      PrimaryHandover.Result r = new PrimaryHandover(cluster.node(index(v.primary()))).move("vm1", target);
      for (int off = size / 2; off < size; off += block) {
        System.arraycopy(next, off, image, off, block);
        writes.add(door.write(off, ByteBuffer.wrap(next, off, block), false));
      }
      CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      door.flush().get(60, TimeUnit.SECONDS);

      assertThat(r.from()).isEqualTo(v.primary());
      assertThat(r.to()).isEqualTo(target);
      assertThat(r.epoch()).isEqualTo(2);
      assertThat(r.pause()).isPositive();
      assertThat(r.timeline().names()).as("writes are released only after the new epoch is committed")
          .containsExactly("drained", "caught up", "committed", "released", "answered");
      ClusterVolume after = cluster.node(index(target)).volumes().describe("vm1").orElseThrow();
      assertThat(after.primary()).isEqualTo(target);
      assertThat(after.epoch()).isEqualTo(2);
      assertThat(after.stale()).as("the drained old primary stays in sync").isEmpty();
      ByteBuffer back = ByteBuffer.allocate(size);
      door.read(0, back).get(60, TimeUnit.SECONDS);
      assertThat(crc(back.array())).as("every acknowledged write reads back").isEqualTo(crc(image));
    }
    assertThat(cluster.node(index(target)).verify("vm1").get(60, TimeUnit.SECONDS).clean()).isTrue();
    // And back again: the old primary's copy is in sync, so it may take over at once.
    PrimaryHandover.Result back = new PrimaryHandover(cluster.node(index(target))).move("vm1", v.primary());
    assertThat(back.epoch()).isEqualTo(3);
    assertThat(back.timeline().names()).containsExactly("drained", "caught up", "committed", "released", "answered");
    for (String n : cluster.node(0).volumes().describe("vm1").orElseThrow().snippetReplicas().get(0)) {
      assertThat(Images.crcOfCopy(cluster.stores.get(index(n)), "vm1", size)).as("copy on " + n).isEqualTo(crc(image));
    }
  }

  /** What ALUA reports follows the move: every node names the new primary's door as the primary path. */
  @Test
  void everyNodesPathsNameTheNewPrimaryAfterTheMove() throws Exception {
    start();
    cluster.node(0).volumes().create(new VolumeSpec("vm1", TestCluster.SNIPPET, TestCluster.SNIPPET, 512, false),
        new RedundancyPolicy(4, 2, FailureDomain.COMPARTMENT, ReplicationMode.SYNC));
    ClusterVolume v = everywhere("vm1");
    for (int i = 0; i < cluster.nodes.size(); i++) {
      cluster.node(i).announceIscsiPortal("127.0.0.1:" + (3260 + i));
    }
    awaitPrimaryPathEverywhere(v.primary());
    String target = v.snippetReplicas().get(0).stream().filter(n -> !n.equals(v.primary())).findFirst().orElseThrow();
    new PrimaryHandover(cluster.node(index(v.primary()))).move("vm1", target);
    awaitPrimaryPathEverywhere(target);
  }

  private void awaitPrimaryPathEverywhere(String primary) {
    Eventually.await("every node's paths naming " + primary + " the primary", Duration.ofSeconds(30),
        () -> cluster.nodes.stream().allMatch(n -> n.doorPaths().of("vm1").map(p -> !p.transitioning()
            && p.nearestFirst().size() == cluster.nodes.size()
            && p.nearestFirst().stream().filter(DoorPaths.Path::primary).map(DoorPaths.Path::node).toList()
                .equals(List.of(primary))
            && p.nearestFirst().get(0).node().equals(n.nodeId())).orElse(false)));
  }

  /** The volume once every node has applied its creation (the metadata reaches the others a moment later). */
  private ClusterVolume everywhere(String volume) {
    Eventually.await(volume + " known on every node", Duration.ofSeconds(30),
        () -> cluster.nodes.stream().allMatch(n -> n.volumes().describe(volume).isPresent()));
    return cluster.node(0).volumes().describe(volume).orElseThrow();
  }

  private static int index(String nodeId) {
    return Integer.parseInt(nodeId.substring(1));
  }
}
