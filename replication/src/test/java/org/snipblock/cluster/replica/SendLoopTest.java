package org.snipblock.cluster.replica;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.snipblock.cluster.proto.ReplicaAck;
import org.snipblock.cluster.proto.ReplicaOp;
import org.snipblock.cluster.proto.ReplicationGrpc;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.testing.Eventually;

/**
 * A change's op handed to the streams' thread ({@link ReplicaLinks#onSendLoop}): nothing is
 * sent before that thread runs, and its one task sends to every holder. The loop here is a queue
 * the test runs by hand; the holders are two streams to a real gRPC server on 127.0.0.1 that
 * withholds its acks until told.
 */
class SendLoopTest {
  private static final Duration BOUND = Duration.ofSeconds(20);

  private final BlockingQueue<Runnable> loop = new LinkedBlockingQueue<>();
  private final List<String> received = new CopyOnWriteArrayList<>();
  private final CountDownLatch releaseAcks = new CountDownLatch(1);
  private Server replica;
  private ManagedChannel channel;
  private Fencing fencing;
  private ReplicaLinks links;

  @BeforeEach
  void start() throws Exception {
    replica = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(new Holder()).build()
        .start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", replica.getPort()).usePlaintext().build();
    VolumeView view = new VolumeView("n1", VolumeRecord.newBuilder().setName("v").setPrimary("n1").setEpoch(1)
        .setVersion(1).build());
    ReplicaRegistry registry = new ReplicaRegistry() {
      @Override
      public CompletableFuture<Void> markStale(String volume, long epoch, String node, boolean stale,
          List<Long> snippets) {
        return CompletableFuture.completedFuture(null);
      }

      @Override
      public CompletableFuture<Void> confirmPrimary(String volume, long epoch) {
        return CompletableFuture.completedFuture(null);
      }

      @Override
      public boolean reachable(String node) {
        return true;
      }
    };
    EpochAuthority authority = new EpochAuthority() {
      @Override
      public long epoch(String volume) {
        return 1;
      }

      @Override
      public boolean inMajority() {
        return true;
      }
    };
    fencing = new Fencing(view, authority, registry);
    links = new ReplicaLinks(view, n -> channel, loop::add, registry, fencing, () -> { });
  }

  @AfterEach
  void stop() throws Exception {
    releaseAcks.countDown();
    fencing.close();
    links.closeAll();
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    replica.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  /** Every stream: records each op, and acks it OK once the test releases the acks. */
  private final class Holder extends ReplicationGrpc.ReplicationImplBase {
    @Override
    public StreamObserver<ReplicaOp> replicate(StreamObserver<ReplicaAck> acks) {
      return new StreamObserver<>() {
        @Override
        public void onNext(ReplicaOp op) {
          received.add("seq " + op.getSeq());
          CompletableFuture.runAsync(() -> {
            try {
              if (releaseAcks.await(BOUND.toSeconds(), TimeUnit.SECONDS)) {
                synchronized (acks) {
                  acks.onNext(ReplicaAck.newBuilder().setVolume(op.getVolume()).setSeq(op.getSeq())
                      .setStatus(ReplicaAck.Status.OK).setEpoch(op.getEpoch()).build());
                }
              }
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
      };
    }
  }

  @Test
  void oneTaskOnTheLoopSendsTheOpToEveryHolderAndNothingLeavesBefore() throws Exception {
    CompletableFuture<ReplicaOp> built = new CompletableFuture<>();
    CompletableFuture<ReplicaOp> outgoing = links.onSendLoop(built);
    CompletableFuture<Void> a2 = links.open("n2").send(1, 4096, outgoing);
    CompletableFuture<Void> a3 = links.open("n3").send(1, 4096, outgoing);

    built.complete(ReplicaOp.newBuilder().setVolume("v").setEpoch(1).setSeq(1).setKind(ReplicaOp.Kind.WRITE)
        .setOffset(0).setLength(4096).setData(ByteString.copyFrom(new byte[4096])).build());
    assertThat(loop).as("one hand-off for both holders").hasSize(1);
    assertThat(links.lagBytes()).as("nothing sent from the thread that built the op").isZero();

    loop.take().run();
    assertThat(loop).as("the sends woke nothing else on the loop's queue").isEmpty();
    assertThat(links.progress()).as("both holders were sent the op by that one task")
        .containsOnlyKeys("n2", "n3").allSatisfy((node, p) -> assertThat(p).containsExactly(4096L, 0L));
    Eventually.await("both holders to receive the op", BOUND, () -> received.size() == 2, received::toString);

    releaseAcks.countDown();
    assertThat(a2).succeedsWithin(BOUND);
    assertThat(a3).succeedsWithin(BOUND);
  }

  @Test
  void anOpThatFailsToBuildFailsEveryHoldersAckWithoutSendingAnything() {
    CompletableFuture<ReplicaOp> built = new CompletableFuture<>();
    CompletableFuture<ReplicaOp> outgoing = links.onSendLoop(built);
    CompletableFuture<Void> a2 = links.open("n2").send(1, 4096, outgoing);
    built.completeExceptionally(new IllegalStateException("comparison failed to read"));
    assertThat(a2).failsWithin(BOUND);
    assertThat(links.lagBytes()).as("nothing queued on the stream").isZero();
    assertThat(loop).as("a failed op is not handed to the loop").isEmpty();
  }
}
