package org.snipblock.cluster.meta;

import com.google.protobuf.InvalidProtocolBufferException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.snipblock.cluster.membership.ClusterMembership;
import org.snipblock.cluster.proto.Barrier;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.MetaResult;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Proposes metadata changes and turns the state machine's refusals into operator-facing errors. */
public final class MetadataClient {
  private static final Logger log = LoggerFactory.getLogger(MetadataClient.class);
  private final ClusterMembership membership;
  private final ClusterMetadata metadata;
  private final Duration timeout;
  private final Object catchUps = new Object();
  private boolean catchUpRunning;
  private CompletableFuture<Void> catchUpNext;

  public MetadataClient(ClusterMembership membership, ClusterMetadata metadata, Duration timeout) {
    this.membership = membership;
    this.metadata = metadata;
    this.timeout = timeout;
  }

  /**
   * Completes once this node's copy of the metadata holds every change committed before the call:
   * a no-op goes through the log, and this copy applying it means it applied all before it. A node
   * asked about a volume created a moment ago through another node answers from a fresh copy so.
   * Fails after {@code within} when no majority commits it, e.g. on a minority side. Callers that
   * come while one runs share the next (one no-op per round, however many ask).
   */
  public CompletableFuture<Void> catchUp(Duration within) {
    CompletableFuture<Void> mine = new CompletableFuture<>();
    synchronized (catchUps) {
      if (catchUpRunning) {
        if (catchUpNext == null) {
          catchUpNext = mine;
        }
        return catchUpNext;
      }
      catchUpRunning = true;
    }
    runBarrier(mine, within);
    return mine;
  }

  private void runBarrier(CompletableFuture<Void> done, Duration within) {
    barrier(within).whenComplete((ok, failed) -> {
      CompletableFuture<Void> next;
      synchronized (catchUps) {
        next = catchUpNext;
        catchUpNext = null;
        catchUpRunning = next != null;
      }
      if (failed != null) {
        done.completeExceptionally(failed);
      } else {
        done.complete(null);
      }
      if (next != null) {
        runBarrier(next, within);
      }
    });
  }

  private CompletableFuture<Void> barrier(Duration within) {
    String nonce = java.util.UUID.randomUUID().toString();
    CompletableFuture<Void> applied = metadata.barrierApplied(nonce);
    byte[] barrier = MetaCommand.newBuilder().setBarrier(Barrier.newBuilder().setNonce(nonce)).build().toByteArray();
    return membership.propose(barrier, within)
        .thenCompose(committed -> applied)
        .orTimeout(within.toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete((ok, failed) -> metadata.forgetBarrier(nonce));
  }

  /**
   * {@link #commit}, and returns only once this node's copy applied the command too, so that what
   * this node answers next (a record read right after it was written through this node) shows it.
   * A follower learns of a commit only with the leader's next append (up to 200 ms later, more over
   * a WAN): without this, a client that wrote a record and read it back through the same node got
   * the version before its write (the hypervisor adapter's controller then took its own lease
   * renewal for a lost lease, every time, and rolled back its tasks). If the copy does not apply it
   * within the timeout, the committed answer is returned all the same.
   */
  public MetaResult commitSeen(MetaCommand command) {
    String nonce = java.util.UUID.randomUUID().toString();
    CompletableFuture<Void> applied = metadata.barrierApplied(nonce);
    try {
      MetaResult r = propose(command.toBuilder().setSeenNonce(nonce).build());
      // a refused command is in the log too: wait for it as well, so a caller that re-reads after a
      // lost compare-and-set sees the version that beat it
      try {
        applied.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException e) {
        log.warn("a committed metadata change was not applied on this node within {}; reads here may "
            + "not show it yet", timeout);
      }
      return accepted(r);
    } finally {
      metadata.forgetBarrier(nonce);
    }
  }

  /** Commits the command through a majority or throws {@link VolumeAdminException}. */
  public MetaResult commit(MetaCommand command) {
    return accepted(propose(command));
  }

  /** The state machine's answer to a command committed through a majority (which may refuse it). */
  private MetaResult propose(MetaCommand command) {
    try {
      byte[] answer = membership.propose(command.toByteArray(), timeout)
          .get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
      return MetaResult.parseFrom(answer);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new VolumeAdminException(Reason.INTERNAL, "interrupted while committing cluster metadata");
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION,
          "cluster metadata change not committed within " + timeout + " (is a majority of "
              + "the cluster's nodes reachable?): " + cause, cause);
    } catch (InvalidProtocolBufferException e) {
      throw new VolumeAdminException(Reason.INTERNAL, "unreadable metadata answer", e);
    }
  }

  private static MetaResult accepted(MetaResult r) {
    if (!r.getOk()) {
      Reason reason;
      try {
        reason = Reason.valueOf(r.getReason());
      } catch (IllegalArgumentException e) {
        reason = Reason.INTERNAL;
      }
      throw new VolumeAdminException(reason, r.getError());
    }
    return r;
  }
}
