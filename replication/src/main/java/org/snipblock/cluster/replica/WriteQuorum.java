package org.snipblock.cluster.replica;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.block.BlockDeviceException.Kind;
import org.snipblock.cluster.meta.SnippetModes;
import org.snipblock.cluster.meta.Stripes;
import org.snipblock.cluster.proto.SnippetPlacement;
import org.snipblock.cluster.proto.VolumeRecord;

/**
 * The acknowledgements one replicated op needs: min-copies copies of what it touches, the
 * primary's own copy counting as one. A write piece and a flush count the same way; they differ
 * only in the holders asked (the snippet's, or every replica of the volume) and in whether the
 * change waits for the quorum (sync) or lets it follow (async). A flush has one of each: the
 * volume's, and one per placement entry written since the previous flush.
 *
 * <p>A stale holder gets every op in order, but its acknowledgement counts only once its copy is
 * on record in sync (see {@link InSyncOnRecord}): right after a failover a change then waits for
 * the resync instead of failing.
 */
final class WriteQuorum {
  private final String what;
  private final int needed;
  private final boolean awaited;
  private final InSyncOnRecord inSync;
  private final List<CompletableFuture<Void>> acks = new ArrayList<>();
  private final List<CompletableFuture<Void>> staleWaits = new ArrayList<>();
  private CompletableFuture<Void> reached;

  private WriteQuorum(String what, int copies, boolean primaryHolds, int minCopies, boolean awaited,
      InSyncOnRecord inSync) {
    this.what = what;
    this.needed = Math.min(minCopies, copies) - (primaryHolds ? 1 : 0);
    this.awaited = awaited;
    this.inSync = inSync;
  }

  /** For the piece of a change within snippet {@code index}, awaited if the snippet is sync. */
  static WriteQuorum ofSnippet(VolumeRecord v, int index, String selfId, InSyncOnRecord inSync) {
    SnippetPlacement s = Stripes.at(v, index);
    return new WriteQuorum(v.getName() + " snippet " + index, s.getNodesCount(), s.getNodesList().contains(selfId),
        v.getMinCopies(), SnippetModes.SYNC.equals(SnippetModes.effective(v, index)), inSync);
  }

  /** For a flush, which makes every earlier write durable where its mode counts it: awaited if any snippet is sync. */
  static WriteQuorum ofFlush(VolumeRecord v, boolean anySync, InSyncOnRecord inSync) {
    return new WriteQuorum("flush of " + v.getName(), v.getCopies(), true, v.getMinCopies(), anySync, inSync);
  }

  /** True if the change is acknowledged only once this quorum is reached. */
  boolean awaited() {
    return awaited;
  }

  /** True if the change waits for replicas' acknowledgements (not only for the primary's own copy). */
  boolean awaitsReplicas() {
    return awaited && needed > 0;
  }

  /** Counts a holder's acknowledgement; a stale holder's ({@code snippet} < 0: stale anywhere) once it is in sync. */
  void count(String node, CompletableFuture<Void> ack, boolean stale, int snippet) {
    if (!stale) {
      acks.add(ack);
      return;
    }
    CompletableFuture<Void> resynced = inSync.await(node, snippet);
    staleWaits.add(resynced);
    acks.add(ack.thenCombine(resynced, (a, b) -> null));
  }

  /** Completes when enough acknowledgements succeed; fails as soon as that is impossible. The same future each time. */
  synchronized CompletableFuture<Void> reached() {
    if (reached != null) {
      return reached;
    }
    CompletableFuture<Void> result = decide();
    reached = result;
    if (!staleWaits.isEmpty()) {
      // Once the quorum is decided nobody needs the stale holders' resyncs any more: stop waiting for them.
      result.whenComplete((x, e) -> staleWaits.forEach(w -> w.cancel(false)));
    }
    return result;
  }

  private CompletableFuture<Void> decide() {
    if (needed <= 0) {
      return CompletableFuture.completedFuture(null);
    }
    if (acks.size() < needed) {
      return CompletableFuture.failedFuture(new BlockDeviceException(Kind.IO_ERROR,
          what + ": only " + acks.size() + " replica(s) reachable, " + needed + " needed"));
    }
    CompletableFuture<Void> result = new CompletableFuture<>();
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    int tolerable = acks.size() - needed;
    for (CompletableFuture<Void> a : acks) {
      a.whenComplete((v, e) -> {
        if (e == null) {
          if (ok.incrementAndGet() == needed) {
            result.complete(null);
          }
        } else if (failed.incrementAndGet() > tolerable) {
          Kind kind = BlockDeviceException.kindOf(e);
          result.completeExceptionally(new BlockDeviceException(kind == Kind.NOT_PRIMARY ? kind : Kind.IO_ERROR,
              what + ": write quorum of " + needed + " replica(s) not reached: " + e.getMessage(), e));
        }
      });
    }
    return result;
  }
}
