package org.snipblock.cluster.replica;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.snipblock.block.ForwardingBlockDevice;
import org.snipblock.block.MemoryBlockDevice;
import org.snipblock.cluster.proto.ReplicaAck;
import org.snipblock.cluster.proto.ReplicaOp;
import org.snipblock.cluster.testing.Eventually;
import org.snipblock.store.qos.ClientLoad;

/**
 * The writes a replica receives from its primary's clients count as client load on the replica's
 * node (its background work yields to them), from arrival until applied; the copies a resync or
 * scrub sends do not.
 */
class ReplicaClientLoadTest {
  private static final Duration T = Duration.ofSeconds(30);

  /** A RAM disk whose writes complete once the test opens the gate. */
  private static final class HeldWrites extends ForwardingBlockDevice {
    final CompletableFuture<Void> gate = new CompletableFuture<>();

    HeldWrites() {
      super(new MemoryBlockDevice("v", 1 << 20, 512, false));
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
      return gate.thenCompose(x -> super.write(offset, src, fua));
    }
  }

  private static final EpochAuthority AUTHORITY = new EpochAuthority() {
    @Override public long epoch(String volume) { return 1; }
    @Override public boolean inMajority() { return true; }
  };

  @Test
  void clientWritesCountUntilAppliedAndResyncCopiesDoNot() {
    HeldWrites disk = new HeldWrites();
    ClientLoad clients = new ClientLoad();
    ReplicaService replica = new ReplicaService(v -> CompletableFuture.completedFuture(disk), AUTHORITY, null, clients);
    List<ReplicaAck> acks = new CopyOnWriteArrayList<>();
    StreamObserver<ReplicaOp> stream = replica.replicate(new StreamObserver<>() {
      @Override public void onNext(ReplicaAck a) { acks.add(a); }
      @Override public void onError(Throwable t) { }
      @Override public void onCompleted() { }
    });

    stream.onNext(write(1, 0).build());
    assertThat(clients.outstanding()).as("a client's write, arrived and not applied yet").isEqualTo(1);
    stream.onNext(write(2, 8192).setBackground(true).build());
    assertThat(clients.outstanding()).as("a resync's copy is not client load").isEqualTo(1);

    disk.gate.complete(null);
    Eventually.await("both applied and acknowledged", T, () -> acks.size() == 2);
    assertThat(acks).extracting(ReplicaAck::getStatus).containsOnly(ReplicaAck.Status.OK);
    Eventually.await("no client load left", T, () -> clients.outstanding() == 0);
  }

  private static ReplicaOp.Builder write(long seq, long offset) {
    ByteString data = ByteString.copyFrom(new byte[4096]);
    return ReplicaOp.newBuilder().setVolume("v").setEpoch(1).setSeq(seq).setKind(ReplicaOp.Kind.WRITE)
        .setOffset(offset).setLength(data.size()).setData(data).setCrc32C(Checksums.crc32c(data));
  }
}
