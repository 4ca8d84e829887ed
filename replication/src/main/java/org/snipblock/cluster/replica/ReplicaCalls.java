package org.snipblock.cluster.replica;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.block.BlockDeviceException.Kind;
import org.snipblock.cluster.proto.DigestRequest;
import org.snipblock.cluster.proto.ReadReply;
import org.snipblock.cluster.proto.ReadRequest;
import org.snipblock.cluster.proto.ReplicaAck;
import org.snipblock.cluster.proto.ReplicaOp;
import org.snipblock.cluster.proto.ReplicaStateRequest;
import org.snipblock.cluster.proto.ReplicationGrpc;

/** The primary's one-shot calls to a replica about its copy: chunk digests, verified reads, snapshots, single ops. */
final class ReplicaCalls {
  private static final Duration DEADLINE = Duration.ofSeconds(60);

  private ReplicaCalls() {}

  /** The replica's {@link ChunkDigests} of the range. */
  static CompletableFuture<List<Long>> digest(ManagedChannel channel, String volume, long offset, long length,
      int chunk) {
    CompletableFuture<List<Long>> out = new CompletableFuture<>();
    ReplicationGrpc.newStub(channel).withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS).digest(
        DigestRequest.newBuilder().setVolume(volume).setOffset(offset).setLength(length).setChunk(chunk).build(),
        new Answer<>(out, r -> r.getCrc32CList()));
    return out;
  }

  /** The replica's copy of the range; fails unless the data arrives intact (CRC32C verified). */
  static CompletableFuture<ByteString> read(ManagedChannel channel, String node, String volume, long offset,
      int length) {
    CompletableFuture<ReadReply> reply = new CompletableFuture<>();
    ReplicationGrpc.newStub(channel).withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS).read(
        ReadRequest.newBuilder().setVolume(volume).setOffset(offset).setLength(length).build(),
        new Answer<>(reply, r -> r));
    return reply.thenApply(r -> {
      if (r.getData().size() != length || Checksums.crc32c(r.getData()) != r.getCrc32C()) {
        throw new BlockDeviceException(Kind.IO_ERROR, "copy of " + volume + " at " + offset + " from " + node
            + " arrived damaged (length or CRC32C wrong)");
      }
      return r.getData();
    });
  }

  /** The replica's snapshots of the volume, oldest first. */
  static CompletableFuture<List<String>> snapshots(ManagedChannel channel, String volume) {
    CompletableFuture<List<String>> out = new CompletableFuture<>();
    ReplicationGrpc.newStub(channel).withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS).snapshots(
        ReplicaStateRequest.newBuilder().setVolume(volume).build(), new Answer<>(out, r -> List.copyOf(r.getNamesList())));
    return out;
  }

  /** Applies one op on the replica outside its stream; fails unless the replica acknowledges it OK. */
  static CompletableFuture<Void> apply(ManagedChannel channel, String node, ReplicaOp op) {
    CompletableFuture<ReplicaAck> ack = new CompletableFuture<>();
    ReplicationGrpc.newStub(channel).withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS).apply(op,
        new Answer<>(ack, r -> r));
    return ack.thenAccept(a -> {
      if (a.getStatus() != ReplicaAck.Status.OK) {
        throw new BlockDeviceException(a.getStatus() == ReplicaAck.Status.STALE_EPOCH ? Kind.NOT_PRIMARY : Kind.IO_ERROR,
            "replica " + node + " refused " + op.getKind() + " of " + op.getVolume() + ": " + a.getStatus() + " "
                + a.getMessage());
      }
    });
  }

  /** Completes a future with the one answer of a unary call. */
  private record Answer<R, T>(CompletableFuture<T> out, java.util.function.Function<R, T> value)
      implements StreamObserver<R> {
    @Override public void onNext(R r) { out.complete(value.apply(r)); }
    @Override public void onError(Throwable t) { out.completeExceptionally(t); }
    @Override public void onCompleted() {
      out.completeExceptionally(new BlockDeviceException(Kind.IO_ERROR, "replica sent no answer"));
    }
  }
}
