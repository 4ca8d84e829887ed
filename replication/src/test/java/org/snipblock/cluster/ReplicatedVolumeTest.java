package org.snipblock.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.cluster.proto.ChangePrimary;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.replica.ReplicationMode;
import org.snipblock.cluster.replica.ReplicationSettings;
import org.snipblock.cluster.testing.Eventually;
import org.snipblock.cluster.testing.TestCluster;
import org.snipblock.cluster.topology.FailureDomain;
import org.snipblock.cluster.topology.PlacementException;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeSpec;

/** Three nodes in three compartments, in one JVM, real sockets and real snippet stores. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReplicatedVolumeTest {
  private static final Duration T = Duration.ofSeconds(30);
  private TestCluster cluster;

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    cluster = TestCluster.threeCompartments(dir, new ReplicationSettings(1 << 20, Duration.ofSeconds(10), 0,
        Duration.ofSeconds(60), Duration.ofMinutes(10)));
  }

  @AfterAll
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  /**
   * Another node applies a commit a heartbeat later; a node that caught up has it. Each round
   * asks at once after the create returned, when without catching up it is usually not there yet.
   */
  @Test
  void aNodeThatCaughtUpKnowsAVolumeCreatedThroughAnotherAMomentAgo() {
    ClusterNode n0 = cluster.node(0);
    ClusterNode n2 = cluster.node(2);
    for (int i = 0; i < 8; i++) {
      String name = "fresh" + i;
      n0.volumes().create(new VolumeSpec(name, 1 << 20, TestCluster.SNIPPET, 512, false),
          new RedundancyPolicy(1, 1, FailureDomain.COMPARTMENT, ReplicationMode.SYNC));
      assertThat(n2.catchUp(T)).as("n2 caught up after %s was created", name).succeedsWithin(T);
      assertThat(n2.volumes().describe(name)).as("n2's copy of the metadata right after catching up").isPresent();
      n0.volumes().delete(name);
    }
    // Many at once share barriers (one running, one queued for those who came meanwhile): all complete.
    java.util.List<java.util.concurrent.CompletableFuture<Void>> many = new java.util.ArrayList<>();
    for (int i = 0; i < 32; i++) {
      many.add(n2.catchUp(T));
    }
    assertThat(java.util.concurrent.CompletableFuture.allOf(many.toArray(java.util.concurrent.CompletableFuture[]::new)))
        .succeedsWithin(T);
  }

  /** Writes the image in 16 KiB pieces, all in flight at once, and waits for every acknowledgement. */
  private static void writeAll(BlockDevice d, byte[] image) throws Exception {
    List<CompletableFuture<Void>> writes = new ArrayList<>();
    for (int off = 0; off < image.length; off += 16384) {
      writes.add(d.write(off, ByteBuffer.wrap(image, off, 16384), false));
    }
    CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
  }

  private byte[] localCopy(int node, String volume, int size) throws Exception {
    try (BlockDevice d = cluster.stores.get(node).open(volume).orElseThrow()) {
      ByteBuffer b = ByteBuffer.allocate(size);
      d.read(0, b).get(30, TimeUnit.SECONDS);
      return b.array();
    }
  }

  @Test
  void syncWritesAreOnEveryCopyWhenAcknowledged() throws Exception {
    ClusterNode n0 = cluster.node(0);
    int size = 1 << 20;
    n0.volumes().create(new VolumeSpec("sync1", size, TestCluster.SNIPPET, 512, false),
        new RedundancyPolicy(3, 3, FailureDomain.COMPARTMENT, ReplicationMode.SYNC));
    ClusterVolume v = n0.volumes().describe("sync1").orElseThrow();
    assertThat(v.primary()).isEqualTo("n0");
    assertThat(v.epoch()).isEqualTo(1);
    // Placement's contract: the primary first, then the others ordered by fullness and load,
    // which varies from run to run; so the primary's place and the set of holders are what count.
    assertThat(v.snippetReplicas()).hasSize(16).allSatisfy(r -> {
      assertThat(r).first().isEqualTo("n0");
      assertThat(r).containsExactlyInAnyOrder("n0", "n1", "n2");
    });

    byte[] image = random(size, 1);
    try (BlockDevice d = n0.volumes().open("sync1").orElseThrow()) {
      writeAll(d, image);
      d.flush().get(30, TimeUnit.SECONDS);
    }
    // min-copies = 3: acknowledged means every copy has it, no waiting needed.
    for (int i = 0; i < 3; i++) {
      assertThat(Arrays.equals(localCopy(i, "sync1", size), image)).as("copy on n" + i).isTrue();
    }
    assertThat(cluster.node(1).volumes().openPrimary("sync1")).as("only the primary serves").isEmpty();
    // Labels follow the placement in the background.
    Eventually.await("n1's label of snippet 3 names its holders", T, () -> cluster.stores.get(1).labelIndex().labels("sync1").get(3)
        .replicas().equals(v.snippetReplicas().get(3)));
  }

  @Test
  void asyncReportsLagAndSwitchingToSyncUnderLoadLosesNothing() throws Exception {
    ClusterNode n0 = cluster.node(0);
    int size = 2 << 20;
    n0.volumes().create(new VolumeSpec("async1", size, TestCluster.SNIPPET, 512, false),
        new RedundancyPolicy(3, 2, FailureDomain.COMPARTMENT, ReplicationMode.ASYNC));
    byte[] first = random(size, 2);
    byte[] second = random(size, 3);
    try (BlockDevice d = n0.volumes().open("async1").orElseThrow()) {
      writeAll(d, first);
      assertThat(n0.volumes().describe("async1").orElseThrow().lagBytes()).isGreaterThanOrEqualTo(0);
      // Second pass overwrites everything; the mode flips half way, with writes still in flight.
      List<CompletableFuture<Void>> writes = new ArrayList<>();
      for (int off = 0; off < size; off += 16384) {
        if (off == size / 2) {
          n0.volumes().setMode("async1", ReplicationMode.SYNC);
        }
        writes.add(d.write(off, ByteBuffer.wrap(second, off, 16384), false));
      }
      CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      d.flush().get(30, TimeUnit.SECONDS);
    }
    assertThat(n0.volumes().describe("async1").orElseThrow().mode()).isEqualTo("sync");
    Eventually.await("replicas caught up", T, () -> n0.volumes().describe("async1").orElseThrow().lagBytes() == 0);
    for (int i = 0; i < 3; i++) {
      assertThat(Arrays.equals(localCopy(i, "async1", size), second)).as("copy on n" + i).isTrue();
    }
    Eventually.await("labels carry the sync flag", T, () -> cluster.stores.get(2).labelIndex().labels("async1").stream()
        .allMatch(l -> l.mode() == org.snipblock.store.SnippetLabel.Mode.SYNC));
  }

  @Test
  void aNewerEpochFencesTheOldPrimary() throws Exception {
    ClusterNode n0 = cluster.node(0);
    int size = 256 << 10;
    n0.volumes().create(new VolumeSpec("fence1", size, TestCluster.SNIPPET, 512, false),
        new RedundancyPolicy(3, 2, FailureDomain.COMPARTMENT, ReplicationMode.SYNC));
    BlockDevice old = n0.volumes().openPrimary("fence1").orElseThrow();
    old.write(0, ByteBuffer.wrap(random(4096, 4)), true).get(30, TimeUnit.SECONDS);

    cluster.node(1).commit(MetaCommand.newBuilder().setChangePrimary(
        ChangePrimary.newBuilder().setName("fence1").setExpectedEpoch(1).setNewPrimary("n1")).build());
    Eventually.await("n0 learns epoch 2", T,
        () -> n0.volumes().describe("fence1").orElseThrow().epoch() == 2);
    assertThatThrownBy(() -> old.write(0, ByteBuffer.wrap(random(4096, 5)), true).get(30, TimeUnit.SECONDS))
        .hasCauseInstanceOf(BlockDeviceException.class)
        .satisfies(e -> assertThat(BlockDeviceException.kindOf(e)).isEqualTo(BlockDeviceException.Kind.NOT_PRIMARY));
    assertThat(n0.volumes().openPrimary("fence1")).isEmpty();

    byte[] data = random(size, 6);
    try (BlockDevice d = cluster.node(1).volumes().open("fence1").orElseThrow()) {
      writeAll(d, data);
      d.flush().get(30, TimeUnit.SECONDS);
    }
    Eventually.await("n0 follows the new primary", T, () -> {
      try {
        return Arrays.equals(localCopy(0, "fence1", size), data);
      } catch (Exception e) {
        return false;
      }
    });
    // A second change from a stale expectation is refused by the metadata itself.
    assertThatThrownBy(() -> cluster.node(2).commit(MetaCommand.newBuilder().setChangePrimary(
        ChangePrimary.newBuilder().setName("fence1").setExpectedEpoch(1).setNewPrimary("n2")).build()))
        .isInstanceOf(VolumeAdminException.class).hasMessageContaining("epoch 2");
    old.close();
  }

  @Test
  void replicasRefuseStaleEpochsBadChecksumsAndUnknownVolumes() throws Exception {
    ClusterNode n0 = cluster.node(0);
    n0.volumes().create(new VolumeSpec("guard1", 256 << 10, TestCluster.SNIPPET, 512, false),
        new RedundancyPolicy(3, 2, FailureDomain.COMPARTMENT, ReplicationMode.SYNC));
    try (BlockDevice d = n0.volumes().open("guard1").orElseThrow()) {
      d.write(0, ByteBuffer.wrap(random(4096, 9)), true).get(30, TimeUnit.SECONDS);
    }
    cluster.node(1).commit(MetaCommand.newBuilder().setChangePrimary(
        ChangePrimary.newBuilder().setName("guard1").setExpectedEpoch(1).setNewPrimary("n1")).build());
    Eventually.await("n2 learns epoch 2", T,
        () -> cluster.node(2).volumes().describe("guard1").map(v -> v.epoch() == 2).orElse(false));
    String addr = cluster.node(2).status().nodes().stream().filter(n -> n.id().equals("n2")).findFirst()
        .orElseThrow().dataAddress();
    io.grpc.ManagedChannel ch = io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder
        .forTarget(addr).usePlaintext().build();
    try {
      com.google.protobuf.ByteString data = com.google.protobuf.ByteString.copyFrom(random(4096, 10));
      java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
      crc.update(data.asReadOnlyByteBuffer());
      org.snipblock.cluster.proto.ReplicaOp.Builder op = org.snipblock.cluster.proto.ReplicaOp.newBuilder()
          .setVolume("guard1").setKind(org.snipblock.cluster.proto.ReplicaOp.Kind.WRITE).setOffset(0)
          .setLength(4096).setData(data).setCrc32C((int) crc.getValue());
      List<org.snipblock.cluster.proto.ReplicaAck> acks = exchange(ch, List.of(
          op.setEpoch(1).setSeq((1L << 40) + 100).build(),                                // stale epoch
          op.setEpoch(2).setSeq((2L << 40) + 100).setCrc32C((int) crc.getValue() + 1).build(), // bad checksum
          op.setVolume("nope").setCrc32C((int) crc.getValue()).build()));                   // no such copy
      assertThat(acks).extracting(org.snipblock.cluster.proto.ReplicaAck::getStatus).containsExactly(
          org.snipblock.cluster.proto.ReplicaAck.Status.STALE_EPOCH,
          org.snipblock.cluster.proto.ReplicaAck.Status.BAD_CHECKSUM,
          org.snipblock.cluster.proto.ReplicaAck.Status.UNKNOWN_VOLUME);
      assertThat(acks.get(0).getEpoch()).isEqualTo(2);
      assertThatThrownBy(() -> org.snipblock.cluster.proto.ReplicationGrpc.newBlockingStub(ch).digest(
          org.snipblock.cluster.proto.DigestRequest.newBuilder().setVolume("guard1").setChunk(0).setLength(4096).build()))
          .hasMessageContaining("INVALID_ARGUMENT");
    } finally {
      ch.shutdownNow();
    }
    // Nothing of the refused writes landed.
    assertThat(localCopy(2, "guard1", 4096)).isEqualTo(random(4096, 9));
  }

  private static List<org.snipblock.cluster.proto.ReplicaAck> exchange(io.grpc.ManagedChannel ch,
      List<org.snipblock.cluster.proto.ReplicaOp> ops) throws Exception {
    List<org.snipblock.cluster.proto.ReplicaAck> acks = new java.util.concurrent.CopyOnWriteArrayList<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    io.grpc.stub.StreamObserver<org.snipblock.cluster.proto.ReplicaOp> out =
        org.snipblock.cluster.proto.ReplicationGrpc.newStub(ch).replicate(new io.grpc.stub.StreamObserver<>() {
          @Override public void onNext(org.snipblock.cluster.proto.ReplicaAck a) { acks.add(a); }
          @Override public void onError(Throwable t) { done.completeExceptionally(t); }
          @Override public void onCompleted() { done.complete(null); }
        });
    ops.forEach(out::onNext);
    out.onCompleted();
    done.get(30, TimeUnit.SECONDS);
    return acks;
  }

  @Test
  void refusesWhatTheTopologyCannotHold() {
    assertThatThrownBy(() -> cluster.node(0).volumes().create(VolumeSpec.of("four", 1 << 20),
        new RedundancyPolicy(4, 2, FailureDomain.COMPARTMENT, ReplicationMode.SYNC)))
        .isInstanceOf(PlacementException.class).hasMessageContaining("only 3 distinct compartment(s)");
    assertThatThrownBy(() -> cluster.node(0).volumes().create(VolumeSpec.of("bad name!", 1 << 20)))
        .isInstanceOf(VolumeAdminException.class).hasMessageContaining("invalid volume name 'bad name!'");
    assertThat(cluster.node(1).volumes().show("four")).isEmpty();
  }

  @Test
  void refusesUpFrontWhatEveryStoreWouldRefuse() {
    // The cluster once committed "Web1", which every node's store then refused: a volume without a primary.
    assertThatThrownBy(() -> cluster.node(0).volumes().create(VolumeSpec.of("Web1", 1 << 20)))
        .isInstanceOf(VolumeAdminException.class)
        .hasMessage("invalid volume name 'Web1': use 1-63 characters a-z, 0-9, '.', '_', '-', starting with a letter"
            + " or digit");
    assertThatThrownBy(() -> cluster.node(0).volumes().create(new VolumeSpec("odd", 1 << 20, 100_000, 512, false)))
        .isInstanceOf(VolumeAdminException.class).hasMessageContaining("snippet size must be a power of two");
    assertThatThrownBy(() -> cluster.node(0).volumes().create(VolumeSpec.of("huge", 8L << 40)))
        .isInstanceOf(VolumeAdminException.class).hasMessageContaining("exceeds the maximum");
    assertThat(cluster.node(1).volumes().names()).doesNotContain("Web1", "odd", "huge");
  }

  @Test
  void duplicateNamesAreRefusedClusterWide() {
    cluster.node(0).volumes().create(VolumeSpec.of("dup", 1 << 20));
    assertThatThrownBy(() -> cluster.node(2).volumes().create(VolumeSpec.of("dup", 1 << 20)))
        .isInstanceOf(VolumeAdminException.class).hasMessageContaining("already exists");
  }

  @Test
  void statusShowsNodesLocationsAndRoundTrips() {
    Eventually.await("round trips reported by every node", T, () -> {
      ClusterStatus s = cluster.node(2).status();
      return s.rttMillis().size() == 3 && s.rttMillis().values().stream().allMatch(row -> row.size() == 2);
    });
    ClusterStatus s = cluster.node(1).status();
    assertThat(s.inMajority()).isTrue();
    assertThat(s.leader()).isIn("n0", "n1", "n2");
    assertThat(s.nodes()).extracting(ClusterStatus.Node::location)
        .containsExactlyInAnyOrder("dc/fc1/r1/h1", "dc/fc2/r1/h2", "dc/fc3/r1/h3");
    assertThat(s.nodes()).allSatisfy(n -> assertThat(n.capacityBytes()).isEqualTo(1L << 30));
  }
}
