package org.snipblock.cluster;

import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.snipblock.block.DaemonThreads;
import org.snipblock.cluster.meta.ClusterMetadata;
import org.snipblock.cluster.proto.MakeOptimizedReply;
import org.snipblock.cluster.proto.MakeOptimizedRequest;
import org.snipblock.cluster.proto.ScsiStatesGrpc;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;

/**
 * Explicit ALUA for the cluster: an initiator's SET TARGET PORT GROUPS through any node's door asks
 * for a node's group to become active/optimized, which here means that node becomes the volume's
 * primary. The door's node asks the primary (the ScsiStates service's MakeOptimized), which hands
 * the volume over as {@code volume move-primary} does (no write lost or refused) and answers once
 * done; a refusal (the node holds no in-sync copy, is unreachable, ...) comes back as its one line.
 */
public final class ExplicitAluaHandovers {
  private final String self;
  private final ClusterMetadata metadata;
  private final Function<String, ManagedChannel> channels;
  /** Runs a handover this node, the primary, was asked for; null until the node's daemon sets it. */
  private volatile BiConsumer<String, String> handover;
  /** One explicit handover at a time on this node: each takes seconds and pauses the volume's writes. */
  private final ExecutorService handovers =
      Executors.newSingleThreadExecutor(DaemonThreads.named("explicit-alua-handover"));

  ExplicitAluaHandovers(String self, ClusterMetadata metadata, Function<String, ManagedChannel> channels) {
    this.self = self;
    this.metadata = metadata;
    this.channels = channels;
  }

  /**
   * How this node, as a volume's primary, hands it to another node when an initiator asks (explicit
   * ALUA): {@code (volume, toNode)}, throwing a VolumeAdminException with the reason it cannot.
   */
  public void handOverWith(BiConsumer<String, String> move) {
    this.handover = move;
  }

  /**
   * Makes {@code toNode} the volume's primary at an initiator's request (SET TARGET PORT GROUPS
   * through this node's door): done here if this node is the primary, else asked of the primary.
   * Completes once it is; exceptionally with the one-line reason it is not.
   */
  public CompletableFuture<Void> makeOptimized(String volume, String toNode) {
    String primary = metadata.volume(volume).map(VolumeRecord::getPrimary).orElse("");
    if (primary.equals(toNode)) {
      return CompletableFuture.completedFuture(null);
    }
    if (primary.equals(self)) {
      return handOverHere(volume, toNode);
    }
    if (primary.isEmpty()) {
      return CompletableFuture.failedFuture(new VolumeAdminException(Reason.NOT_FOUND, "no volume named " + volume));
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    ScsiStatesGrpc.newStub(channels.apply(primary)).withDeadlineAfter(60, TimeUnit.SECONDS).makeOptimized(
        MakeOptimizedRequest.newBuilder().setVolume(volume).setToNode(toNode).build(), new StreamObserver<>() {
          @Override
          public void onNext(MakeOptimizedReply reply) {
            if (reply.getError().isEmpty()) {
              done.complete(null);
            } else {
              done.completeExceptionally(new VolumeAdminException(Reason.FAILED_PRECONDITION, reply.getError()));
            }
          }

          @Override
          public void onError(Throwable t) {
            done.completeExceptionally(new VolumeAdminException(Reason.FAILED_PRECONDITION, "the primary "
                + primary + " did not answer: " + t.getMessage()));
          }

          @Override
          public void onCompleted() {
            done.complete(null);
          }
        });
    return done;
  }

  /** The ScsiStates service's MakeOptimized: a node's door asks this node, the primary, to hand the volume over. */
  void served(MakeOptimizedRequest req, StreamObserver<MakeOptimizedReply> out) {
    handOverHere(req.getVolume(), req.getToNode()).whenComplete((v, e) -> {
      Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
      out.onNext(MakeOptimizedReply.newBuilder().setError(cause == null ? "" : String.valueOf(cause.getMessage()))
          .build());
      out.onCompleted();
    });
  }

  private CompletableFuture<Void> handOverHere(String volume, String toNode) {
    BiConsumer<String, String> move = handover;
    if (move == null) {
      return CompletableFuture.failedFuture(new VolumeAdminException(Reason.FAILED_PRECONDITION,
          "node " + self + " does not hand volumes over at an initiator's request"));
    }
    return CompletableFuture.runAsync(() -> {
      if (!metadata.volume(volume).map(VolumeRecord::getPrimary).orElse("").equals(toNode)) {
        move.accept(volume, toNode); // a request queued behind the same one finds it done
      }
    }, handovers);
  }

}
