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
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each volume's shared SCSI state in the cluster metadata (what the iSCSI doors of all nodes must
 * agree on: reservations), opaque bytes with a version. Read for every SCSI command, so the newest
 * applied state per volume is kept at hand; changed by compare-and-set through the log. A change
 * counts once every node in view has applied it (the {@code ScsiStates.Applied} call): a
 * reservation taken through one node's door is then enforced at every door, and the unit
 * attentions it raised are waiting there.
 */
public final class SharedScsiStates extends ScsiStatesGrpc.ScsiStatesImplBase {
  private static final Logger log = LoggerFactory.getLogger(SharedScsiStates.class);
  /** How long a change waits for the nodes in view to apply it (a node that does not is logged). */
  private static final long CONFIRM_MILLIS = 5_000;

  private record Waiter(String volume, long uid, long version, CompletableFuture<Boolean> done) {}
  /** A volume's state as applied here: version 0 and no bytes until the first change. */
  public record State(long uid, long version, byte[] bytes) {}

  private final String self;
  private final ClusterMetadata metadata;
  private final Function<MetaCommand, CompletableFuture<Void>> commitAsync;
  private final Supplier<Set<String>> view;
  private final Function<String, ManagedChannel> channels;
  private final Map<String, State> latest = new ConcurrentHashMap<>();
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

  /** Completes once every node in view has applied the version (or did not within the wait: logged). */
  private CompletableFuture<Void> everywhere(String volume, long uid, long version) {
    List<CompletableFuture<Void>> asked = new ArrayList<>();
    Set<String> members = view.get();
    for (NodeRecord n : metadata.nodes()) {
      boolean here = n.getId().equals(self);
      if (!here && !members.contains(n.getMember())) {
        continue;
      }
      CompletableFuture<Boolean> applied = here ? applied(volume, uid, version, CONFIRM_MILLIS)
          : ask(n.getId(), volume, uid, version);
      asked.add(applied.handle((ok, e) -> {
        if (e != null || !ok) {
          log.warn("node {} did not confirm SCSI state {} of {} within {} ms{}", n.getId(), version, volume,
              CONFIRM_MILLIS, e == null ? "" : ": " + e);
        }
        return null;
      }));
    }
    return CompletableFuture.allOf(asked.toArray(CompletableFuture[]::new));
  }

  private CompletableFuture<Boolean> ask(String node, String volume, long uid, long version) {
    ScsiStateAppliedRequest request = ScsiStateAppliedRequest.newBuilder().setVolume(volume).setUid(uid)
        .setVersion(version).setWaitMillis(CONFIRM_MILLIS).build();
    return AppliedCall.ask(observer -> ScsiStatesGrpc.newStub(channels.apply(node))
        .withDeadlineAfter(CONFIRM_MILLIS + 2_000, TimeUnit.MILLISECONDS).applied(request, observer),
        ScsiStateAppliedReply::getApplied);
  }

  /** The ScsiStates service: another node's change asks whether this node has applied it yet. */
  @Override
  public void applied(ScsiStateAppliedRequest req, StreamObserver<ScsiStateAppliedReply> out) {
    long wait = Math.max(0, Math.min(req.getWaitMillis(), CONFIRM_MILLIS));
    applied(req.getVolume(), req.getUid(), req.getVersion(), wait).whenComplete((ok, e) -> {
      out.onNext(ScsiStateAppliedReply.newBuilder().setApplied(e == null && ok).setNode(self).build());
      out.onCompleted();
    });
  }

  /** True once this node has the volume's state at {@code version} or newer (or the volume is gone); false after the wait. */
  CompletableFuture<Boolean> applied(String volume, long uid, long version, long waitMillis) {
    CompletableFuture<Boolean> done = new CompletableFuture<>();
    synchronized (waiters) {
      if (reached(volume, uid, version)) {
        return CompletableFuture.completedFuture(true);
      }
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
