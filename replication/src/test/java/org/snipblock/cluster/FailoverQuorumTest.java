package org.snipblock.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.snipblock.cluster.testing.Images.crc;
import static org.snipblock.cluster.testing.Images.crcOfCopy;
import static org.snipblock.cluster.testing.Images.random;
import static org.snipblock.cluster.testing.Images.read;
import static org.snipblock.cluster.testing.Images.write;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.block.BlockDeviceException.Kind;
import org.snipblock.cluster.proto.ReplicaState;
import org.snipblock.cluster.proto.ReplicaStateRequest;
import org.snipblock.cluster.proto.ReplicationGrpc;
import org.snipblock.cluster.replica.ReplicationMode;
import org.snipblock.cluster.replica.ReplicationSettings;
import org.snipblock.cluster.testing.Eventually;
import org.snipblock.cluster.testing.TestCluster;
import org.snipblock.cluster.topology.FailureDomain;
import org.snipblock.store.VolumeSpec;

/**
 * Right after a failover the holders behind the new primary are stale and do not count toward the
 * write quorum until resynced: writes wait for that resync instead of failing.
 */
class FailoverQuorumTest {
  private static final Duration T = Duration.ofSeconds(60);
  @TempDir Path dir;
  private TestCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /**
   * n2 misses a whole image while down, comes back stale, and the primary n0 dies before its resync
   * of n2 is done: n1 takes over with both other holders stale. Returns the image acknowledged so far.
   */
  private byte[] failoverWithALaggingReplica(int size, Duration ackTimeout, long resyncBytesPerSecond)
      throws Exception {
    cluster = TestCluster.threeCompartments(dir, new ReplicationSettings(1 << 20, ackTimeout, resyncBytesPerSecond,
        Duration.ofSeconds(1), Duration.ofMinutes(10)));
    cluster.node(0).volumes().create(new VolumeSpec("vm1", size, TestCluster.SNIPPET, 512, false),
        new RedundancyPolicy(3, 2, FailureDomain.COMPARTMENT, ReplicationMode.SYNC));
    byte[] image = random(size, 20);
    try (BlockDevice d = cluster.node(0).volumes().open("vm1").orElseThrow()) {
      write(d, image, 0, size);
      cluster.node(2).close();
      image = random(size, 21);
      write(d, image, 0, size);
    }
    // n2 is on record as stale before a write it missed is acknowledged; n0's own copy of the record
    // may apply that commit a moment later (n0 need not be the raft leader), so it catches up first.
    assertThat(cluster.node(0).catchUp(T)).succeedsWithin(T);
    assertThat(cluster.node(0).volumes().describe("vm1").orElseThrow().stale()).contains("n2");
    cluster.restart(2);
    cluster.node(0).close();

    Eventually.await("n1 takes over at epoch 2 and serves", T, () -> cluster.node(1).volumes().describe("vm1")
        .map(v -> v.epoch() == 2 && v.primary().equals("n1") && v.lagBytes() >= 0).orElse(false));
    assertThat(cluster.node(1).volumes().describe("vm1").orElseThrow().stale())
        .as("the dead old primary and the lagging replica are both stale: no holder counts yet")
        .contains("n0", "n2");
    return image;
  }

  @Test
  void writesRightAfterAFailoverWaitForTheLaggingReplicasResyncInsteadOfFailing() throws Exception {
    // Resyncs are slow on purpose (128 KiB/s): the lagging replica is still stale when the primary dies.
    int size = 1 << 20;
    byte[] image = failoverWithALaggingReplica(size, Duration.ofSeconds(40), 128 << 10);
    try (BlockDevice d = cluster.node(1).volumes().open("vm1").orElseThrow()) {
      byte[] next = random(size, 22);
      System.arraycopy(next, size / 4, image, size / 4, size / 4);
      // Needs n2's acknowledgement, which counts once n2's resync is on record.
      write(d, image, size / 4, size / 2);
      assertThat(crc(read(d, 0, size))).as("everything acknowledged reads back").isEqualTo(crc(image));
    }
    ClusterVolume after = cluster.node(1).volumes().describe("vm1").orElseThrow();
    assertThat(after.stale()).containsExactly("n0");
    assertThat(after.resyncs()).anySatisfy(r -> {
      assertThat(r.node()).isEqualTo("n2");
      assertThat(r.running()).isFalse();
      assertThat(r.failure()).isNull();
    });
    assertThat(crcOfCopy(cluster.stores.get(2), "vm1", size)).as("n2's copy").isEqualTo(crc(image));
  }

  @Test
  void aWriteThatCannotGetItsQuorumWithinTheAckTimeoutFailsClearlyAndLaterWritesSucceed() throws Exception {
    // The resync pauses about 8 s after its first copies (32 KiB/s), far longer than the 2 s ack timeout.
    int size = 256 << 10;
    failoverWithALaggingReplica(size, Duration.ofSeconds(2), 32 << 10);
    try (BlockDevice d = cluster.node(1).volumes().open("vm1").orElseThrow()) {
      CompletableFuture<Void> early = d.write(0, ByteBuffer.wrap(random(4096, 23)), false);
      assertThatThrownBy(() -> early.get(30, TimeUnit.SECONDS)).as("fails, and does not hang")
          .hasCauseInstanceOf(BlockDeviceException.class)
          .hasMessageContaining("did not acknowledge within");
      assertThat(BlockDeviceException.kindOf(early.handle((x, e) -> e).join())).isEqualTo(Kind.IO_ERROR);
      Eventually.await("n2 resynced", T, () -> cluster.node(1).volumes().describe("vm1")
          .map(v -> !v.stale().contains("n2")).orElse(false));
      byte[] next = random(size, 24);
      write(d, next, 0, size);
      assertThat(crc(read(d, 0, size))).isEqualTo(crc(next));
      assertThat(crcOfCopy(cluster.stores.get(2), "vm1", size)).as("n2's copy").isEqualTo(crc(next));
    }
  }

  @Test
  void aRestartedReplicaReportsTheLastFlushItAppliedNotNothing() throws Exception {
    int size = 256 << 10;
    startWithVolume(size, 3);
    try (BlockDevice d = cluster.node(0).volumes().open("vm1").orElseThrow()) {
      // min-copies 3: the flush is acknowledged only once n2 applied it.
      write(d, random(size, 60), 0, size);
    }
    ReplicaState before = state(2);
    assertThat(before.getKnown()).isTrue();
    assertThat(before.getAppliedSeq()).isPositive();

    cluster.node(2).close();
    cluster.restart(2);
    ReplicaState after = state(2);
    assertThat(after.getKnown()).as("the restarted replica vouches for what it recorded").isTrue();
    assertThat(after.getEpoch()).isEqualTo(1);
    assertThat(after.getAppliedSeq()).as("the last flush: everything it acknowledged before it")
        .isEqualTo(before.getAppliedSeq());
  }

  @Test
  void aPrimaryRestartedWithoutAFailoverNeverReusesSequenceNumbers() throws Exception {
    int size = 256 << 10;
    startWithVolume(size, 2);
    try (BlockDevice d = cluster.node(0).volumes().open("vm1").orElseThrow()) {
      write(d, random(size, 70), 0, size);
    }
    cluster.node(0).close();
    cluster.restart(0);
    Eventually.await("n0 serves again at epoch 1", T, () -> cluster.node(0).volumes().describe("vm1")
        .map(v -> v.epoch() == 1 && v.lagBytes() >= 0).orElse(false));
    Eventually.await("the restarted primary compared both replicas once", T, () -> cluster.node(0).volumes()
        .describe("vm1").map(v -> v.resyncs().stream().filter(r -> r.purpose().equals("resync") && !r.running()
            && r.failure() == null && r.snippetsDone() == r.snippetsTotal()).count() == 2).orElse(false));
    byte[] image = random(size, 71);
    try (BlockDevice d = cluster.node(0).volumes().open("vm1").orElseThrow()) {
      write(d, image, 0, size);
    }
    // The replicas applied sequence numbers of the first run; the second run's changes must come after them.
    assertThat(cluster.node(0).verify("vm1").get(60, TimeUnit.SECONDS).clean()).isTrue();
    for (int n = 1; n < 3; n++) {
      assertThat(crcOfCopy(cluster.stores.get(n), "vm1", size)).as("copy on n" + n).isEqualTo(crc(image));
    }
  }

  /** Three nodes without failover or re-replication, and a 3-copy sync volume vm1 with its primary on n0. */
  private void startWithVolume(int size, int minCopies) throws Exception {
    cluster = TestCluster.threeCompartments(dir, new ReplicationSettings(1 << 20, Duration.ofSeconds(10), 0,
        Duration.ofMinutes(10), Duration.ofMinutes(10)));
    cluster.node(0).volumes().create(new VolumeSpec("vm1", size, TestCluster.SNIPPET, 512, false),
        new RedundancyPolicy(3, minCopies, FailureDomain.COMPARTMENT, ReplicationMode.SYNC));
  }

  private ReplicaState state(int node) {
    java.net.InetSocketAddress a = cluster.node(node).replicationAddress();
    io.grpc.ManagedChannel ch = io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder
        .forAddress(a.getHostString(), a.getPort()).usePlaintext().build();
    try {
      return ReplicationGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
          .state(ReplicaStateRequest.newBuilder().setVolume("vm1").build());
    } finally {
      ch.shutdownNow();
    }
  }
}
