package org.snipblock.cluster.replica;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.block.BlockDeviceException.Kind;
import org.snipblock.cluster.proto.ReplicaAck;
import org.snipblock.cluster.proto.ReplicaOp;
import org.snipblock.cluster.proto.ReplicationGrpc;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.testing.Eventually;

/**
 * A lost replica's stale record (ReplicaLinks): sync acknowledgements wait for it while the
 * metadata cannot take it or this primary is only fenced, and fail only once the primary is
 * superseded. The replica is a real gRPC server on 127.0.0.1 that breaks every stream at once; the
 * metadata's answers come from a double, the fencing is the real one.
 */
class StaleRecordTest {
  private static final long EPOCH = 3;
  private static final Duration BOUND = Duration.ofSeconds(20);

  private final Metadata metadata = new Metadata();
  private final Authority authority = new Authority();
  private final CompletableFuture<Void> lost = new CompletableFuture<>();
  private Server replica;
  private ManagedChannel channel;
  private Fencing fencing;
  private ReplicaLinks links;

  @BeforeEach
  void start() throws Exception {
    replica = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new ReplicationGrpc.ReplicationImplBase() {
          @Override
          public StreamObserver<ReplicaOp> replicate(StreamObserver<ReplicaAck> acks) {
            acks.onError(Status.UNAVAILABLE.withDescription("replica cut off").asRuntimeException());
            return new StreamObserver<>() {
              @Override
              public void onNext(ReplicaOp op) {}

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onCompleted() {}
            };
          }
        }).build().start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", replica.getPort()).usePlaintext().build();
    VolumeView view = new VolumeView("n1", VolumeRecord.newBuilder().setName("v").setPrimary("n1").setEpoch(EPOCH)
        .setVersion(1).build());
    fencing = new Fencing(view, authority, metadata);
    // A broken stream tells progress last, after the loss has been handed to the stale record.
    links = new ReplicaLinks(view, n -> channel, Runnable::run, metadata, fencing, () -> lost.complete(null));
  }

  @AfterEach
  void stop() throws Exception {
    fencing.close();
    links.closeAll();
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    replica.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  /** Opens the stream to n2, which the replica breaks; returns a sync acknowledgement taken after the loss. */
  private CompletableFuture<Void> loseReplica() throws Exception {
    links.open("n2");
    lost.get(BOUND.toSeconds(), TimeUnit.SECONDS);
    return links.staleRecorded();
  }

  @Test
  void syncWritesWaitWhileTheMetadataHasNoLeaderAndSucceedOnceTheRecordIsTaken() throws Exception {
    metadata.refuseMarks(2);
    CompletableFuture<Void> sync = loseReplica();
    assertThat(sync).as("a refused record holds the sync write, it does not fail it").isNotCompletedExceptionally();
    Eventually.await("the stale record to go through", BOUND, sync::isDone, metadata::toString);
    assertThat(sync).isCompleted();
    assertThat(metadata.marks).containsExactly("v@3 n2 stale[]", "v@3 n2 stale[]", "v@3 n2 stale[]");
    assertThat(links.staleRecorded()).as("later sync writes").isCompleted();
  }

  @Test
  void aPrimaryFencedLongerThanTheRetryAndConfirmedAgainAtItsEpochAcknowledgesSyncWritesAgain() throws Exception {
    cutOff();
    long askedBefore = authority.epochQuestions.get();
    CompletableFuture<Void> sync = loseReplica();
    assertThat(sync).as("a record given up while only fenced would fail sync writes for good")
        .isNotCompletedExceptionally();
    // Each attempt asks the authority once whether a newer epoch is known: two asked, the retry ran
    // while still fenced.
    Eventually.await("a second attempt while fenced", BOUND, () -> authority.epochQuestions.get() >= askedBefore + 2,
        () -> authority.epochQuestions + " questions, " + sync);
    assertThat(sync).isNotDone();
    assertThat(metadata.marks).as("nothing recorded while fenced").isEmpty();

    heal();
    assertThat(fencing.primary()).as("confirmed again at epoch 3").isTrue();
    Eventually.await("the stale record after the heal", BOUND, sync::isDone, metadata::toString);
    assertThat(sync).isCompleted();
    assertThat(metadata.marks).containsExactly("v@3 n2 stale[]");
    assertThat(links.staleRecorded()).as("sync writes after the heal").isCompleted();
  }

  @Test
  void pendingSyncWritesFailWithNotPrimaryOnceThePrimaryIsSuperseded() throws Exception {
    cutOff();
    CompletableFuture<Void> sync = loseReplica();
    assertThat(sync).isNotCompletedExceptionally();
    // Healed after a failover: epoch 4 was committed while this node was cut off.
    metadata.failover(EPOCH + 1);
    authority.epoch.set(EPOCH + 1);
    authority.inMajority = true;
    Eventually.await("the sync write to be refused", BOUND, sync::isDone, sync::toString);
    Throwable refusal = sync.handle((x, e) -> e).join();
    assertThat(refusal).as("the sync write fails").isNotNull();
    assertThat(BlockDeviceException.kindOf(refusal)).isEqualTo(Kind.NOT_PRIMARY);
    assertThat(metadata.marks).as("a superseded primary records nothing").isEmpty();
  }

  /** The primary is cut off: no majority, and the metadata out of reach. */
  private void cutOff() {
    authority.inMajority = false;
    metadata.reachable = false;
    fencing.reconfirm();
    assertThat(fencing.primary()).isFalse();
  }

  private void heal() {
    authority.inMajority = true;
    metadata.reachable = true;
    fencing.reconfirm();
  }

  /**
   * The metadata's answers as the primary sees them: nothing while out of reach, the first n stale
   * records refused (no leader yet), and nothing for an epoch older than the committed one.
   */
  private static final class Metadata implements ReplicaRegistry {
    final List<String> marks = new CopyOnWriteArrayList<>();
    private final AtomicInteger refusals = new AtomicInteger();
    private final AtomicLong committedEpoch = new AtomicLong(EPOCH);
    volatile boolean reachable = true;

    void refuseMarks(int n) {
      refusals.set(n);
    }

    void failover(long epoch) {
      committedEpoch.set(epoch);
    }

    @Override
    public CompletableFuture<Void> markStale(String volume, long epoch, String node, boolean stale,
        List<Long> snippets) {
      CompletableFuture<Void> refused = refusal(epoch);
      if (refused != null) {
        return refused;
      }
      marks.add(volume + "@" + epoch + " " + node + (stale ? " stale" : " in sync") + snippets);
      return refusals.getAndUpdate(n -> Math.max(0, n - 1)) > 0
          ? CompletableFuture.failedFuture(new IllegalStateException("no leader")) : CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> confirmPrimary(String volume, long epoch) {
      CompletableFuture<Void> refused = refusal(epoch);
      return refused != null ? refused : CompletableFuture.completedFuture(null);
    }

    private CompletableFuture<Void> refusal(long epoch) {
      if (!reachable) {
        return CompletableFuture.failedFuture(new IllegalStateException("metadata out of reach"));
      }
      if (epoch < committedEpoch.get()) {
        return CompletableFuture.failedFuture(new IllegalStateException("epoch " + epoch + " is stale"));
      }
      return null;
    }

    @Override
    public boolean reachable(String node) {
      return true;
    }

    @Override
    public String toString() {
      return "marks " + marks;
    }
  }

  /** This node's belief about the committed epoch and its majority, set by the test. */
  private static final class Authority implements EpochAuthority {
    final AtomicLong epoch = new AtomicLong(EPOCH);
    final AtomicInteger epochQuestions = new AtomicInteger();
    volatile boolean inMajority = true;

    @Override
    public long epoch(String volume) {
      epochQuestions.incrementAndGet();
      return epoch.get();
    }

    @Override
    public boolean inMajority() {
      return inMajority;
    }
  }
}
