package org.snipblock.cluster;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.snipblock.cluster.meta.ClusterMetadata;
import org.snipblock.cluster.proto.MakeOptimizedReply;
import org.snipblock.cluster.proto.MakeOptimizedRequest;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.proto.PutScsiState;
import org.snipblock.cluster.proto.ScsiStateAppliedReply;
import org.snipblock.cluster.proto.ScsiStateAppliedRequest;
import org.snipblock.cluster.proto.ScsiStatesGrpc;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each volume's shared SCSI state in the cluster metadata (what the iSCSI doors of all nodes must
 * agree on: reservations), opaque bytes with a version. Read for every SCSI command, so the newest
 * applied state per volume is kept at hand; changed by compare-and-set through the log. A change
 * counts once every node in view has either applied it or, asked whether it has (the
 * {@code ScsiStates.Applied} call), holds the volume's commands until it has ({@link #caughtUp}):
 * a reservation taken through one node's door is then enforced at every door, and the unit
 * attentions it raised are waiting there. A node in view that cannot be asked within the wait fails
 * the change's answer (it is committed, but a door may still check against the state before it).
 */
public final class SharedScsiStates extends ScsiStatesGrpc.ScsiStatesImplBase {
  private static final Logger log = LoggerFactory.getLogger(SharedScsiStates.class);
  /** How long a change waits for the nodes in view to apply it, or to say they hold the volume until they have. */
  private static final long CONFIRM_MILLIS = 5_000;
  /** How long a door holds a command while its node catches up with a change; then NOT READY, and again. */
  private static final long HOLD_MILLIS = 2_000;
  /** Pause before asking again a node whose Applied call failed (not reached, not answered). */
  private static final long REASK_MILLIS = 100;

  private record Waiter(String volume, long uid, long version, CompletableFuture<Boolean> done) {}
  private record Required(long uid, long version) {}
  /** A volume's state as applied here: version 0 and no bytes until the first change. */
  public record State(long uid, long version, byte[] bytes) {}

  private final String self;
  private final ClusterMetadata metadata;
  private final Function<MetaCommand, CompletableFuture<Void>> commitAsync;
  private final Supplier<Set<String>> view;
  private final Function<String, ManagedChannel> channels;
  private final Map<String, State> latest = new ConcurrentHashMap<>();
  /** Per volume: a version another node committed that this node has been asked about and not applied yet. */
  private final Map<String, Required> required = new ConcurrentHashMap<>();
  private final List<Waiter> waiters = new ArrayList<>();
  private final ExplicitAluaHandovers explicitAlua;

  SharedScsiStates(String self, ClusterMetadata metadata, Function<MetaCommand, CompletableFuture<Void>> commitAsync,
      Supplier<Set<String>> view, Function<String, ManagedChannel> channels) {
    this.self = self;
    this.metadata = metadata;
    this.commitAsync = commitAsync;
    this.view = view;
    this.channels = channels;
    this.explicitAlua = new ExplicitAluaHandovers(self, metadata, channels);
  }

  /** The newest state applied here of the volume with this uid; empty if there is no such volume. */
  public Optional<State> current(String volume, long uid) {
    State s = latest.get(volume);
    if (s == null) {
      // First ask (or the metadata came from a raft snapshot, which announces no volume changes).
      s = metadata.volume(volume).map(SharedScsiStates::of).orElse(null);
      if (s == null) {
        return Optional.empty();
      }
      latest.putIfAbsent(volume, s);
    }
    return s.uid() == uid ? Optional.of(s) : Optional.empty();
  }

  /**
   * Null if this node has applied every change of the volume it was asked about (the common case,
   * answered from memory); otherwise completes with true once it has, or false after a short hold:
   * a door holds a command meanwhile, and refuses it (NOT READY) if the hold ran out, rather than
   * check it against a reservation another node has already answered as changed.
   */
  public CompletableFuture<Boolean> caughtUp(String volume, long uid) {
    Required r = required.get(volume);
    if (r == null || r.uid() != uid) {
      return null;
    }
    if (reached(volume, uid, r.version())) {
      required.remove(volume, r);
      return null;
    }
    return applied(volume, uid, r.version(), HOLD_MILLIS);
  }

  /**
   * Stores {@code state} as the next version if the volume is still at {@code expectedVersion}:
   * true once committed, false if another change came first.
   */
  public CompletableFuture<Boolean> put(String volume, long uid, long expectedVersion, byte[] state,
      boolean persistThroughPowerLoss) {
    MetaCommand put = MetaCommand.newBuilder().setPutScsiState(PutScsiState.newBuilder().setName(volume)
        .setUid(uid).setExpectedVersion(expectedVersion).setState(ByteString.copyFrom(state))
        .setPersistThroughPowerLoss(persistThroughPowerLoss)).build();
    return commitAsync.apply(put).handle((v, e) -> {
      if (e == null) {
        return true;
      }
      Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
      if (cause instanceof VolumeAdminException refused && refused.reason() == Reason.CONFLICT) {
        return false;
      }
      throw new CompletionException(cause);
    }).thenCompose(committed -> committed ? everywhere(volume, uid, expectedVersion + 1).thenApply(x -> true)
        : CompletableFuture.completedFuture(false));
  }

  /**
   * Completes once every node in view has applied the version or holds the volume's commands until
   * it has (it answered the Applied call); exceptionally (UNAVAILABLE) if a node still in view could
   * not be asked within the wait: then its doors may still check commands against the older state.
   */
  private CompletableFuture<Void> everywhere(String volume, long uid, long version) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CONFIRM_MILLIS);
    List<CompletableFuture<String>> asked = new ArrayList<>();
    Set<String> members = view.get();
    for (NodeRecord n : metadata.nodes()) {
      boolean here = n.getId().equals(self);
      if (!here && !members.contains(n.getMember())) {
        continue;
      }
      CompletableFuture<Boolean> applied = here ? applied(volume, uid, version, CONFIRM_MILLIS)
          : askUntilAnswered(n, volume, uid, version, deadline);
      asked.add(applied.handle((ok, e) -> {
        if (e == null && ok) {
          return null;
        }
        log.warn("node {} did not confirm SCSI state {} of {} within {} ms{}", n.getId(), version, volume,
            CONFIRM_MILLIS, e == null ? "; its doors hold the volume's commands until it has it" : ": " + e);
        return e == null ? null : n.getId();
      }));
    }
    return CompletableFuture.allOf(asked.toArray(CompletableFuture[]::new)).thenRun(() -> {
      List<String> unasked = asked.stream().map(CompletableFuture::join).filter(id -> id != null).toList();
      if (!unasked.isEmpty()) {
        throw new CompletionException(new BlockDeviceException(BlockDeviceException.Kind.UNAVAILABLE,
            "SCSI state " + version + " of " + volume + " is committed, but node(s) " + unasked
                + " in view could not be asked to enforce it"));
      }
    });
  }

  /**
   * The Applied call, asked again while it fails (the node not reached, or restarting) and the node
   * is still in view, until the deadline: true or false from its answer, exceptionally if none came.
   */
  private CompletableFuture<Boolean> askUntilAnswered(NodeRecord n, String volume, long uid, long version,
      long deadline) {
    long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
    return ask(n.getId(), volume, uid, version, Math.max(0, left)).handle((ok, e) -> {
      if (e == null) {
        return CompletableFuture.completedFuture(ok);
      }
      if (!view.get().contains(n.getMember())) {
        return CompletableFuture.completedFuture(true); // it left the view: its nexuses went with it
      }
      if (TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()) <= REASK_MILLIS) {
        return CompletableFuture.<Boolean>failedFuture(e);
      }
      return CompletableFuture.supplyAsync(() -> askUntilAnswered(n, volume, uid, version, deadline),
          CompletableFuture.delayedExecutor(REASK_MILLIS, TimeUnit.MILLISECONDS)).thenCompose(f -> f);
    }).thenCompose(f -> f);
  }

  private CompletableFuture<Boolean> ask(String node, String volume, long uid, long version, long waitMillis) {
    ScsiStateAppliedRequest request = ScsiStateAppliedRequest.newBuilder().setVolume(volume).setUid(uid)
        .setVersion(version).setWaitMillis(waitMillis).build();
    try {
      return AppliedCall.ask(observer -> ScsiStatesGrpc.newStub(channels.apply(node))
          .withDeadlineAfter(waitMillis + 2_000, TimeUnit.MILLISECONDS).applied(request, observer),
          ScsiStateAppliedReply::getApplied);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e); // no channel to it (yet): asked again
    }
  }

  /** The ScsiStates service: another node's change asks whether this node has applied it yet. */
  @Override
  public void applied(ScsiStateAppliedRequest req, StreamObserver<ScsiStateAppliedReply> out) {
    long wait = Math.max(0, Math.min(req.getWaitMillis(), CONFIRM_MILLIS));
    io.grpc.Deadline deadline = io.grpc.Context.current().getDeadline();
    if (deadline != null) {
      // Answer "not yet" while the asker still listens (the call may have taken long to get here):
      // the answer is what lets its change be answered, this node holding the volume meanwhile.
      wait = Math.max(0, Math.min(wait, deadline.timeRemaining(TimeUnit.MILLISECONDS) - 500));
    }
    applied(req.getVolume(), req.getUid(), req.getVersion(), wait).whenComplete((ok, e) -> {
      out.onNext(ScsiStateAppliedReply.newBuilder().setApplied(e == null && ok).setNode(self).build());
      out.onCompleted();
    });
  }

  /**
   * True once this node has the volume's state at {@code version} or newer (or the volume is gone);
   * false after the wait. Until then this node's doors hold the volume's commands ({@link #caughtUp}):
   * the node asking is about to answer its change.
   */
  CompletableFuture<Boolean> applied(String volume, long uid, long version, long waitMillis) {
    CompletableFuture<Boolean> done = new CompletableFuture<>();
    synchronized (waiters) {
      if (reached(volume, uid, version)) {
        return CompletableFuture.completedFuture(true);
      }
      required.merge(volume, new Required(uid, version), (a, b) -> a.uid() == b.uid() && a.version() >= b.version() ? a : b);
      waiters.add(new Waiter(volume, uid, version, done));
    }
    return done.completeOnTimeout(false, waitMillis, TimeUnit.MILLISECONDS).whenComplete((ok, e) -> {
      synchronized (waiters) {
        waiters.removeIf(w -> w.done() == done);
      }
    });
  }

  private boolean reached(String volume, long uid, long version) {
    Optional<VolumeRecord> v = metadata.volume(volume);
    return v.isEmpty() || v.get().getUid() != uid || v.get().getScsiStateVersion() >= version;
  }

  /** A volume changed (or was deleted: then only its name is set). */
  void volumeChanged(VolumeRecord v) {
    if (v.getUid() == 0) {
      latest.remove(v.getName());
    } else {
      State known = latest.get(v.getName());
      if (known == null || known.uid() != v.getUid() || known.version() != v.getScsiStateVersion()) {
        latest.put(v.getName(), of(v));
      }
    }
    List<Waiter> done = new ArrayList<>();
    synchronized (waiters) {
      Required r = required.get(v.getName());
      if (r != null && (v.getUid() != r.uid() || v.getScsiStateVersion() >= r.version())) {
        required.remove(v.getName(), r);
      }
      for (Waiter w : waiters) {
        if (w.volume().equals(v.getName()) && (v.getUid() != w.uid() || v.getScsiStateVersion() >= w.version())) {
          done.add(w);
        }
      }
    }
    done.forEach(w -> w.done().complete(true)); // outside the lock: completion runs the caller's code
  }

  /** Explicit ALUA's handovers: what an initiator's SET TARGET PORT GROUPS asks of the cluster. */
  public ExplicitAluaHandovers explicitAlua() {
    return explicitAlua;
  }

  /** The ScsiStates service: a node's door asks this node, the primary, to hand the volume over. */
  @Override
  public void makeOptimized(MakeOptimizedRequest req, StreamObserver<MakeOptimizedReply> out) {
    explicitAlua.served(req, out);
  }

  private static State of(VolumeRecord v) {
    return new State(v.getUid(), v.getScsiStateVersion(), v.getScsiState().toByteArray());
  }
}
