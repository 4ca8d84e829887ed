package org.snipblock.cluster.replica;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.block.BlockDeviceException.Kind;

/** Completes when {@code needed} of the given acknowledgements succeed; fails as soon as that is impossible. */
final class Quorum {
  private Quorum() {}

  static CompletableFuture<Void> of(List<CompletableFuture<Void>> acks, int needed, String what) {
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
