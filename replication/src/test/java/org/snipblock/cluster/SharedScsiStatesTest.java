package org.snipblock.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.cluster.meta.ClusterMetadata;
import org.snipblock.cluster.proto.CreateVolume;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.MetaResult;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.proto.RegisterNode;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.testing.Eventually;

/**
 * A SCSI state change (a reservation) through node n1 while n2's copy of the metadata lags: the
 * change is answered only once n2 has it or has promised to hold the volume's commands until it has
 * (its doors wait on {@link SharedScsiStates#caughtUp}); a node in view that cannot be asked fails
 * the answer instead of letting its doors check against the old state.
 */
class SharedScsiStatesTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private final ClusterMetadata metaA = new ClusterMetadata();
  private final ClusterMetadata metaB = new ClusterMetadata();
  /** Committed through n1, not applied at n2 yet. */
  private final List<MetaCommand> lag = new ArrayList<>();
  private volatile Set<String> view = Set.of("m1", "m2");
  private final List<ManagedChannel> channels = new ArrayList<>();
  private Server serverB;
  private SharedScsiStates a;
  private SharedScsiStates b;
  private long uid;

  private void start(boolean bReachable) throws Exception {
    for (ClusterMetadata m : List.of(metaA, metaB)) {
      apply(m, MetaCommand.newBuilder().setRegisterNode(RegisterNode.newBuilder().setNode(
          NodeRecord.newBuilder().setId("n1").setMember("m1").setLocation("s1/c1/r1/h1"))).build());
      apply(m, MetaCommand.newBuilder().setRegisterNode(RegisterNode.newBuilder().setNode(
          NodeRecord.newBuilder().setId("n2").setMember("m2").setLocation("s1/c2/r1/h2"))).build());
      apply(m, MetaCommand.newBuilder().setCreateVolume(CreateVolume.newBuilder().setVolume(
          VolumeRecord.newBuilder().setName("vm1").setSize(1 << 20).setPrimary("n1"))).build());
    }
    uid = metaA.volume("vm1").orElseThrow().getUid();
    b = new SharedScsiStates("n2", metaB, c -> CompletableFuture.failedFuture(new AssertionError("n2 commits nothing")),
        () -> view, node -> { throw new AssertionError("n2 asks nobody"); });
    int port;
    if (bReachable) {
      serverB = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(b).build().start();
      port = serverB.getPort();
    } else {
      try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
        port = s.getLocalPort(); // closed again: nothing listens there
      }
    }
    ManagedChannel toB = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    channels.add(toB);
    a = new SharedScsiStates("n1", metaA, c -> {
      apply(metaA, c);
      a.volumeChanged(metaA.volume("vm1").orElseThrow());
      synchronized (lag) {
        lag.add(c);
      }
      return CompletableFuture.completedFuture(null);
    }, () -> view, node -> toB);
  }

  @AfterEach
  void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
    if (serverB != null) {
      serverB.shutdownNow();
    }
  }

  @Test
  void aChangeIsAnsweredOnceTheLaggingNodeHoldsTheVolumeAndItsDoorsWaitUntilItHasIt() throws Exception {
    start(true);
    assertThat(b.caughtUp("vm1", uid)).as("nothing to wait for").isNull();
    CompletableFuture<Boolean> put = a.put("vm1", uid, 0, new byte[] {1, 2, 3}, false);
    Eventually.await("n2 asked about version 1", WAIT, () -> b.caughtUp("vm1", uid) != null);
    CompletableFuture<Boolean> door = b.caughtUp("vm1", uid);
    assertThat(door).as("n2's doors hold the volume's commands").isNotDone();
    assertThat(put).as("not answered while n2 neither has it nor said it holds").isNotDone();

    catchUpB();
    assertThat(door.get(5, TimeUnit.SECONDS)).isTrue();
    assertThat(put.get(5, TimeUnit.SECONDS)).isTrue();
    assertThat(b.caughtUp("vm1", uid)).as("caught up: commands run at once").isNull();
    assertThat(b.current("vm1", uid).orElseThrow().version()).isEqualTo(1);
  }

  /** n2 answers "not yet" after the wait: the change is answered, and n2's doors refuse until it has it. */
  @Test
  void aNodeThatDoesNotCatchUpInTimeHoldsThenRefusesAndTheChangeIsStillAnswered() throws Exception {
    start(true);
    CompletableFuture<Boolean> put = a.put("vm1", uid, 0, new byte[] {1}, false);
    assertThat(put.get(15, TimeUnit.SECONDS)).as("answered: n2 promised to hold").isTrue();
    CompletableFuture<Boolean> door = b.caughtUp("vm1", uid);
    assertThat(door).as("n2 still behind").isNotNull();
    assertThat(door.get(5, TimeUnit.SECONDS)).as("a command held past the hold is refused").isFalse();
    assertThat(b.caughtUp("vm1", uid)).as("and the next one held again").isNotNull();
    catchUpB();
    assertThat(b.caughtUp("vm1", uid)).isNull();
  }

  @Test
  void aNodeInViewThatCannotBeAskedFailsTheAnswerUnlessItLeavesTheView() throws Exception {
    start(false);
    CompletableFuture<Boolean> put = a.put("vm1", uid, 0, new byte[] {1}, false);
    assertThatThrownBy(() -> put.get(15, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(BlockDeviceException.class)
        .hasMessageContaining("committed, but node(s) [n2] in view could not be asked");
    assertThat(metaA.volume("vm1").orElseThrow().getScsiStateVersion()).as("committed all the same").isEqualTo(1);

    CompletableFuture<Boolean> next = a.put("vm1", uid, 1, new byte[] {2}, false);
    view = Set.of("m1"); // n2 leaves: its nexuses went with it
    assertThat(next.get(5, TimeUnit.SECONDS)).isTrue();
  }

  private void catchUpB() {
    synchronized (lag) {
      lag.forEach(c -> apply(metaB, c));
      lag.clear();
    }
    b.volumeChanged(metaB.volume("vm1").orElseThrow());
  }

  private static void apply(ClusterMetadata m, MetaCommand command) {
    byte[] bytes = command.toByteArray();
    try {
      assertThat(MetaResult.parseFrom(m.apply(bytes, 0, bytes.length, true)).getOk()).as("%s", command).isTrue();
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }
}
