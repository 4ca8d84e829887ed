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
import java.util.Arrays;
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
import org.snipblock.store.SnippetLabel;
import org.snipblock.store.SnippetRef;
import org.snipblock.store.SnippetStore;
import org.snipblock.store.VolumeSpec;

/**
 * Drain: a node holding the primary and copies hands everything to the others while writes keep
 * arriving; every copy stays at its policy and in sync, labels name the new holders; bad requests
 * change nothing; a drained node can be removed.
 */
class DrainTest {
  private static final int SNIPPETS = 4;
  private static final int SIZE = SNIPPETS * TestCluster.SNIPPET;
  private static final Duration T = Duration.ofSeconds(90);

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
  void drainsThePrimaryAndEveryCopyUnderWritesThenRemoves() throws Exception {
    start();
    cluster.node(0).volumes().create(new VolumeSpec("vm1", SIZE, TestCluster.SNIPPET, 512, false),
        new RedundancyPolicy(3, 2, FailureDomain.COMPARTMENT, ReplicationMode.SYNC));
    everywhere("vm1");
    NodeDrain drains = cluster.node(1).drains();
    assertThat(drains.progress("n0").primaries()).isEqualTo(1);
    assertThat(drains.progress("n0").copies()).isEqualTo(SNIPPETS);

    byte[] image = random(SIZE, 1);
    try (BlockDevice door = cluster.node(1).volumes().open("vm1").orElseThrow()) {
      write(door, image, 0, SIZE);
      drains.drain("n0");
      // Writes keep arriving through a door on another node while n0 empties: none may fail.
      byte[] next = random(SIZE, 2);
      List<CompletableFuture<Void>> writes = new ArrayList<>();
      int block = 4096;
      for (int round = 0; round < 4; round++) {
        for (int off = round * block; off < SIZE; off += 4 * block) {
          System.arraycopy(next, off, image, off, block);
          writes.add(door.write(off, ByteBuffer.wrap(next, off, block), false));
        }
        CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      }
      Eventually.await("n0 drained", T, () -> drains.progress("n0").state().equals("DRAINED"));
      door.flush().get(60, TimeUnit.SECONDS);
      ByteBuffer back = ByteBuffer.allocate(SIZE);
      door.read(0, back).get(60, TimeUnit.SECONDS);
      assertThat(crc(back.array())).as("every acknowledged write reads back").isEqualTo(crc(image));
    }
    NodeDrain.Progress p = drains.progress("n0");
    assertThat(p.empty()).isTrue();
    assertThat(p.moving()).isEmpty();
    ClusterVolume v = cluster.node(1).volumes().describe("vm1").orElseThrow();
    assertThat(v.primary()).isNotEqualTo("n0");
    assertThat(v.stale()).isEmpty();
    for (int i = 0; i < SNIPPETS; i++) {
      List<String> holders = v.snippetReplicas().get(i);
      assertThat(holders).as("snippet " + i).hasSize(3).doesNotContain("n0").doesNotHaveDuplicates();
      for (String h : holders) {
        SnippetStore store = cluster.stores.get(index(h));
        byte[] copy = Images.read(store.open("vm1").orElseThrow(), (long) i * TestCluster.SNIPPET, TestCluster.SNIPPET);
        assertThat(copy).as("snippet " + i + " on " + h).isEqualTo(Arrays.copyOfRange(image,
            i * TestCluster.SNIPPET, (i + 1) * TestCluster.SNIPPET));
        SnippetRef ref = new SnippetRef(store.show("vm1").orElseThrow().id(), i);
        Eventually.await("label of snippet " + i + " on " + h, T, () -> store.labelIndex().readLabel(ref)
            .map(SnippetLabel::replicas).filter(holders::equals).isPresent());
      }
    }
    assertThat(cluster.node(index(v.primary())).verify("vm1").get(60, TimeUnit.SECONDS).clean()).isTrue();
    Eventually.await("n0's copy deleted", T, () -> cluster.stores.get(0).show("vm1").isEmpty());

    // Asked of another node, which applies the metadata on its own schedule.
    Eventually.await("n2 sees n0 drained", T, () -> cluster.node(2).drains().progress("n0").state().equals("DRAINED"));
    cluster.node(2).drains().remove("n0");
    Eventually.await("n0 forgotten everywhere", T,
        () -> cluster.nodes.stream().allMatch(n -> n.status().nodes().stream().noneMatch(s -> s.id().equals("n0"))));
  }

  @Test
  void refusesWhatCannotBeDoneAndChangesNothing() throws Exception {
    start();
    // Four copies in four compartments: without n0 there is no fourth compartment.
    cluster.node(0).volumes().create(new VolumeSpec("wide", TestCluster.SNIPPET, TestCluster.SNIPPET, 512, false),
        new RedundancyPolicy(4, 2, FailureDomain.COMPARTMENT, ReplicationMode.SYNC));
    everywhere("wide");
    NodeDrain drains = cluster.node(1).drains();
    assertThatThrownBy(() -> drains.drain("n9")).hasMessage("no node named n9 in the cluster");
    assertThatThrownBy(() -> drains.drain("n0")).hasMessageStartingWith("cannot drain n0: volume wide stripe 0: ")
        .hasMessageContaining("spread=compartment");
    assertThatThrownBy(() -> drains.remove("n9")).hasMessage("no node named n9 in the cluster");
    assertThatThrownBy(() -> drains.remove("n1")).hasMessage("node n1 is UP: drain it first (node drain n1), or stop it");
    assertThat(drains.progress("n0").state()).isEqualTo("UP");
    assertThat(cluster.node(0).status().nodes()).hasSize(4);

    // A stopped node that still holds copies is not forgotten: its copies would be lost from the map.
    cluster.node(3).close();
    Eventually.await("n3 down", T, () -> drains.progress("n3").state().equals("DOWN"));
    assertThatThrownBy(() -> drains.drain("n3")).hasMessageStartingWith("node n3 is down");
    assertThatThrownBy(() -> drains.remove("n3")).hasMessage("node n3 still holds 1 stripe copy of wide; drain it first "
        + "(node drain n3)");
    assertThat(cluster.node(1).status().nodes()).hasSize(4);

    // An undrain puts a node back in service.
    drains.undrain("n1");
    assertThat(drains.progress("n1").state()).isEqualTo("UP");
  }

  /**
   * A drained node's copy of a clone follows its parent's: parents move first, and the clone's copy
   * goes to the node that took the parent's, where it is a local clone of the parent's snapshot
   * sharing its data, not a full copy. Five compartments, so two nodes could take each copy.
   */
  @Test
  void aClonesCopyFollowsItsParentsOffADrainedNodeAndSharesItsData() throws Exception {
    cluster = TestCluster.start(dir, new ReplicationSettings(1 << 20, Duration.ofSeconds(10), 0,
        Duration.ofSeconds(1), Duration.ofMinutes(10)), "dc/fc1/r1/h1", "dc/fc2/r1/h2", "dc/fc3/r1/h3",
        "dc/fc4/r1/h4", "dc/fc5/r1/h5");
    ClusterNode primary = cluster.node(0);
    primary.volumes().create(new VolumeSpec("gold", SIZE, TestCluster.SNIPPET, 512, false),
        new RedundancyPolicy(3, 2, FailureDomain.COMPARTMENT, ReplicationMode.SYNC));
    byte[] image = random(SIZE, 3);
    try (BlockDevice d = primary.volumes().open("gold").orElseThrow()) {
      write(d, image, 0, SIZE);
      primary.snapshots().take("gold", "s1").get(30, TimeUnit.SECONDS);
    }
    primary.snapshots().cloneOf("gold", "s1", "web", 0);
    everywhere("web");
    List<List<String>> before = primary.volumes().describe("web").orElseThrow().snippetReplicas();
    String drained = before.get(0).get(1);
    // The clone's own data goes to a stripe the drained node does not hold: every stripe that moves
    // is one the clone never wrote, so its moved copies must store nothing of their own.
    int ownStripe = 0;
    while (before.get(ownStripe).contains(drained)) {
      ownStripe++;
    }
    byte[] own = random(16384, 4);
    try (BlockDevice d = primary.volumes().open("web").orElseThrow()) {
      d.write((long) ownStripe * TestCluster.SNIPPET, ByteBuffer.wrap(own), true).get(30, TimeUnit.SECONDS);
    }
    System.arraycopy(own, 0, image, ownStripe * TestCluster.SNIPPET, own.length);

    NodeDrain drains = primary.drains();
    drains.drain(drained);
    Eventually.await(drained + " drained", T, () -> drains.progress(drained).state().equals("DRAINED"));

    ClusterVolume web = primary.volumes().describe("web").orElseThrow();
    ClusterVolume gold = primary.volumes().describe("gold").orElseThrow();
    assertThat(web.stale()).isEmpty();
    assertThat(primary.snapshots().cloneState("web").orElseThrow().unsharedCopies()).as("no full copy").isEmpty();
    for (int i = 0; i < SNIPPETS; i++) {
      List<String> holders = web.snippetReplicas().get(i);
      assertThat(holders).as("stripe %d of web", i).doesNotContain(drained)
          .containsExactlyInAnyOrderElementsOf(gold.snippetReplicas().get(i));
      for (String h : holders) {
        SnippetStore store = cluster.stores.get(index(h));
        assertThat(store.show("web").orElseThrow().parent())
            .as("%s's copy of web is a local clone of its copy of the parent's snapshot", h).isEqualTo("gold@s1");
        assertThat(Images.read(store.open("web").orElseThrow(), (long) i * TestCluster.SNIPPET, TestCluster.SNIPPET))
            .as("stripe %d of web on %s", i, h)
            .isEqualTo(Arrays.copyOfRange(image, i * TestCluster.SNIPPET, (i + 1) * TestCluster.SNIPPET));
        assertThat(store.show("web").orElseThrow().storedBytes()).as("web's own data on %s", h)
            .isEqualTo(web.snippetReplicas().get(ownStripe).contains(h) ? own.length : 0);
      }
    }
  }

  private void everywhere(String volume) {
    Eventually.await(volume + " known on every node", Duration.ofSeconds(30),
        () -> cluster.nodes.stream().allMatch(n -> n.volumes().describe(volume).isPresent()));
  }

  private static int index(String nodeId) {
    return Integer.parseInt(nodeId.substring(1));
  }
}
