package org.snipblock.cluster.replica;

import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.block.BlockDeviceException.Kind;
import org.snipblock.cluster.proto.ReplicaAck;
import org.snipblock.cluster.proto.ReplicaOp;
import org.snipblock.cluster.proto.ReplicationGrpc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The primary's ordered stream of one volume's operations to one replica node. Operations are
 * sent strictly in sequence order, many in flight; each completes its future when the replica
 * acknowledges it. Keeps the unacknowledged tail to report lag in bytes and seconds.
 */
final class ReplicaLink implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ReplicaLink.class);

  private record Pending(long seq, long bytes, long sentNanos, CompletableFuture<Void> acked) {}

  final String nodeId;
  private final String volume;
  private final Consumer<Long> onHigherEpoch;
  private final Runnable onProgress;
  private final Consumer<String> onBroken;
  private final Deque<Pending> pending = new ArrayDeque<>();
  private final StreamObserver<ReplicaOp> out;
  private volatile boolean broken;
  private volatile boolean closing;
  private long pendingBytes;
  private long ackedBytes;
  // Operations enter the stream in sequence order even when their payload is known late.
  private CompletableFuture<Void> sendChain = CompletableFuture.completedFuture(null);
  // Completes once every operation queued so far is acknowledged (an op with nothing to send is
  // "acknowledged" at its turn to be sent, so the earlier acks are combined in explicitly).
  private CompletableFuture<Void> lastQueued = CompletableFuture.completedFuture(null);

  ReplicaLink(String nodeId, String volume, ManagedChannel channel, Consumer<Long> onHigherEpoch,
      Runnable onProgress, Consumer<String> onBroken) {
    this.nodeId = nodeId;
    this.volume = volume;
    this.onHigherEpoch = onHigherEpoch;
    this.onProgress = onProgress;
    this.onBroken = onBroken;
    // Not in the caller's gRPC context (an admin call, a forwarded request): a stream started there
    // is cancelled when that call ends, and the link must outlive it.
    Context detached = Context.current().fork();
    Context previous = detached.attach();
    try {
      this.out = open(channel);
    } finally {
      detached.detach(previous);
    }
  }

  private StreamObserver<ReplicaOp> open(ManagedChannel channel) {
    // Acks are handled on the channel's transport thread (no hand-off to gRPC's executor): acked
    // only completes futures, and a failure's slower work (recording the replica stale) is async.
    return ReplicationGrpc.newStub(channel).withExecutor(Runnable::run).replicate(new StreamObserver<>() {
      @Override
      public void onNext(ReplicaAck ack) {
        acked(ack);
      }

      @Override
      public void onError(Throwable t) {
        fail("stream to replica " + nodeId + " failed: " + t.getMessage());
      }

      @Override
      public void onCompleted() {
        fail("stream to replica " + nodeId + " closed");
      }
    });
  }

  boolean broken() {
    return broken;
  }

  /**
   * Queues an operation whose content becomes known when {@code op} completes (empty: nothing to
   * send after all). Returns a future completed on the replica's acknowledgement.
   */
  synchronized CompletableFuture<Void> send(long seq, long bytes, CompletableFuture<ReplicaOp> op) {
    if (broken) {
      return CompletableFuture.failedFuture(
          new BlockDeviceException(Kind.IO_ERROR, "replica " + nodeId + " of " + volume + " is unreachable"));
    }
    CompletableFuture<Void> acked = new CompletableFuture<>();
    lastQueued = lastQueued.thenCombine(acked, (a, b) -> null);
    sendChain = sendChain.thenCombine(op, (v, o) -> o).thenAccept(o -> {
      synchronized (this) {
        if (broken) {
          acked.completeExceptionally(new BlockDeviceException(Kind.IO_ERROR, "replica " + nodeId + " unreachable"));
          return;
        }
        if (o == null) {
          acked.complete(null);
          return;
        }
        pending.addLast(new Pending(seq, bytes, System.nanoTime(), acked));
        pendingBytes += bytes;
        out.onNext(o);
      }
    }).exceptionally(e -> {
      acked.completeExceptionally(e);
      return null;
    });
    return acked;
  }

  /**
   * Sends nothing queued after this call before {@code until} completes (however it completes):
   * a comparison reads the replica's copy at this point of the sequence while it holds, since a
   * later change reaches the replica before the primary's own copy (held behind the comparison)
   * takes it.
   */
  synchronized void hold(CompletableFuture<?> until) {
    if (!broken) {
      sendChain = sendChain.thenCombine(until.handle((x, e) -> null), (a, b) -> null);
    }
  }

  private void acked(ReplicaAck ack) {
    Pending p;
    synchronized (this) {
      if (broken) {
        return; // acks still in flight on a stream we have given up on
      }
      p = pending.peekFirst();
      if (p == null || p.seq() != ack.getSeq()) {
        log.warn("replica {} acked seq {} out of order (expected {}); dropping the link", nodeId, ack.getSeq(),
            p == null ? "none" : p.seq());
        fail("replica " + nodeId + " acknowledged out of order");
        return;
      }
      pending.removeFirst();
      pendingBytes -= p.bytes();
      ackedBytes += p.bytes();
    }
    switch (ack.getStatus()) {
      case OK -> p.acked().complete(null);
      case STALE_EPOCH -> {
        onHigherEpoch.accept(ack.getEpoch());
        p.acked().completeExceptionally(new BlockDeviceException(Kind.NOT_PRIMARY, ack.getMessage()));
      }
      default -> {
        p.acked().completeExceptionally(new BlockDeviceException(Kind.IO_ERROR,
            "replica " + nodeId + ": " + ack.getStatus() + " " + ack.getMessage()));
        fail("replica " + nodeId + " refused seq " + ack.getSeq() + ": " + ack.getStatus());
      }
    }
    onProgress.run();
  }

  /**
   * Completes once the replica has applied every operation queued so far (fails if the stream
   * breaks first): called in sequence order, it marks a point of the volume's sequence the
   * replica's copy has reached.
   */
  synchronized CompletableFuture<Void> drained() {
    if (broken) {
      return CompletableFuture.failedFuture(
          new BlockDeviceException(Kind.IO_ERROR, "replica " + nodeId + " of " + volume + " is unreachable"));
    }
    return lastQueued;
  }

  /** Bytes sent (or queued) and not yet acknowledged. */
  synchronized long lagBytes() {
    return pendingBytes;
  }

  /** Bytes the replica has acknowledged on this stream. */
  synchronized long ackedBytes() {
    return ackedBytes;
  }

  /** Age in seconds of the oldest unacknowledged operation. */
  synchronized double lagSeconds() {
    Pending p = pending.peekFirst();
    return p == null ? 0 : (System.nanoTime() - p.sentNanos()) / 1e9;
  }

  private void fail(String why) {
    Deque<Pending> dropped;
    synchronized (this) {
      if (broken) {
        return;
      }
      broken = true;
      dropped = new ArrayDeque<>(pending);
      pending.clear();
      pendingBytes = 0;
    }
    if (closing) {
      log.debug("volume {}: {}", volume, why);
    } else {
      log.warn("volume {}: {}", volume, why);
    }
    if (!closing) {
      if (out instanceof ClientCallStreamObserver<ReplicaOp> call) {
        call.cancel(why, null);
      }
      // Before the failed acks below are counted, so the holder is on record as stale first.
      onBroken.accept(nodeId);
    }
    for (Pending p : dropped) {
      p.acked().completeExceptionally(new BlockDeviceException(Kind.IO_ERROR, why));
    }
    onProgress.run();
  }

  @Override
  public void close() {
    closing = true;
    synchronized (this) {
      if (!broken) {
        try {
          out.onCompleted();
        } catch (RuntimeException e) {
          log.debug("closing stream to {}: {}", nodeId, e.toString());
        }
      }
    }
    fail("link closed");
  }
}
