package org.snipblock.cluster;

import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.snipblock.block.DaemonThreads;
import org.snipblock.cluster.meta.AccessLists;
import org.snipblock.cluster.meta.ChapKey;
import org.snipblock.cluster.meta.ChapSettings;
import org.snipblock.cluster.meta.ClusterMetadata;
import org.snipblock.cluster.proto.AccessAppliedReply;
import org.snipblock.cluster.proto.AccessAppliedRequest;
import org.snipblock.cluster.proto.AccessGrpc;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.proto.SetAccess;
import org.snipblock.cluster.proto.SetChap;
import org.snipblock.cluster.proto.VolumeAccess;
import org.snipblock.cluster.proto.VolumeChap;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A volume's cluster-wide access on this node: what the doors ask at every login, closing the
 * connections a change no longer admits, and a revoke that answers only once every node in view
 * enforces it. A node that has lost the metadata majority cannot know about revokes, so it admits
 * nobody to a volume with a restricted list and closes what it has (see README, "Volume access").
 */
public final class VolumeAccessControl extends AccessGrpc.AccessImplBase implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(VolumeAccessControl.class);
  /** How long a revoke waits for the nodes in view to confirm. */
  static final long CONFIRM_MILLIS = 15_000;

  /** What closes a volume's connections that its access no longer admits, on every door of this node. */
  public interface DoorGate {
    /** Completes once those connections are closed and their requests in flight finished. */
    CompletableFuture<Void> closeRefused(String volume);
  }

  private final ClusterNode node;
  private final ClusterMetadata metadata;
  private final ExecutorService enforcer;
  /** The access version whose refusals every door of this node has enforced, by volume. */
  private final Map<String, Long> enforced = new HashMap<>();
  private final List<Waiter> waiters = new ArrayList<>();
  private volatile DoorGate gate = volume -> CompletableFuture.completedFuture(null);

  private record Waiter(String volume, long version, CompletableFuture<Boolean> done) {}

  VolumeAccessControl(ClusterNode node, ClusterMetadata metadata) {
    this.node = node;
    this.metadata = metadata;
    this.enforcer = Executors.newSingleThreadExecutor(DaemonThreads.named("volume-access-" + node.nodeId()));
    metadata.onVolumeChange(this::changed);
  }

  /** Installs the doors' gate (once the doors run); enforces every volume's access on them. */
  public void gate(DoorGate gate) {
    this.gate = gate;
    metadata.volumes().forEach(this::changed);
  }

  /**
   * The volume's access as the doors apply it now, or empty when the cluster does not restrict it
   * (also for an unknown volume: the catalog refuses those). While this node is out of the
   * majority, a restricted kind admits nobody.
   */
  public Optional<VolumeAccess> forDoors(String volume) {
    Optional<VolumeAccess> a = metadata.volume(volume).filter(VolumeRecord::hasAccess).map(VolumeRecord::getAccess);
    if (a.isEmpty() || node.inMajority()) {
      return a;
    }
    VolumeAccess.Builder none = a.get().toBuilder().clearInitiators().clearCertificateNames();
    return Optional.of(none.build());
  }

  /** The volume's CHAP as every node's iSCSI door asks it, or empty when the cluster sets none (the YAML decides). */
  public Optional<VolumeChap> chap(String volume) {
    return metadata.volume(volume).filter(ChapSettings::isSet).map(VolumeRecord::getChap);
  }

  /** The volume's CHAP on record (user empty: none); NOT_FOUND for no such volume. */
  public VolumeChap showChap(String volume) {
    return record(volume).getChap();
  }

  /**
   * Commits a change of the volume's CHAP (checked first: a bad one changes nothing), its secrets
   * sealed with the cluster's key before they enter the log, and returns it as committed. It applies
   * to logins from then on; sessions already logged in stay. {@code key} null: this node has none
   * (cluster.chap-key), and only turning CHAP off is possible.
   */
  public VolumeChap setChap(SetChap change, ChapKey key) {
    SetChap logged = change;
    if (!change.getOff()) {
      ChapSettings.check(change.getChap());
      if (key == null) {
        throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "this node has no cluster CHAP key to seal the "
            + "secrets with: give every node the same key file as cluster.chap-key in its config");
      }
      logged = change.toBuilder().setChap(ChapSettings.sealed(change.getName(), change.getChap(), key)).build();
    }
    return node.commit(MetaCommand.newBuilder().setSetChap(logged).build()).getChap();
  }

  /** The volume's access on record. */
  public VolumeAccess show(String volume) {
    return record(volume).getAccess();
  }

  /** The result of a change: the access now, and which nodes confirmed they enforce it. */
  public record Change(VolumeAccess access, List<String> confirmed, List<String> unconfirmed) {}

  /**
   * Commits a change and waits until every node in this node's view applies it: a revoke has then
   * closed the connections it refuses everywhere, and an allow admits the new name at every door.
   * Throws FAILED_PRECONDITION if a node in view did not confirm in time (the change is committed;
   * calling again is safe).
   */
  public Change set(SetAccess change) {
    AccessLists.check(change);
    // Not checked against this node's copy: it may not have applied the volume's creation yet.
    VolumeRecord after = node.commit(MetaCommand.newBuilder().setSetAccess(change).build());
    return confirm(after.getName(), after.getAccess());
  }

  private Change confirm(String volume, VolumeAccess access) {
    Map<String, CompletableFuture<Boolean>> asked = new HashMap<>();
    List<String> unconfirmed = new ArrayList<>();
    for (NodeRecord n : metadata.nodes()) {
      if (n.getId().equals(node.nodeId())) {
        asked.put(n.getId(), applied(volume, access.getVersion(), CONFIRM_MILLIS));
      } else if (node.view().contains(n.getMember())) {
        asked.put(n.getId(), askNode(n.getId(), volume, access.getVersion()));
      } else {
        unconfirmed.add(n.getId());
      }
    }
    List<String> confirmed = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    asked.forEach((id, f) -> {
      boolean ok;
      try {
        ok = f.get(CONFIRM_MILLIS + 5_000, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        ok = false;
      } catch (Exception e) {
        log.warn("node {} did not confirm access {} of {}: {}", id, access.getVersion(), volume, e.toString());
        ok = false;
      }
      (ok ? confirmed : failed).add(id);
    });
    if (!failed.isEmpty()) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "the access change of " + volume
          + " is committed, but node(s) " + failed.stream().sorted().toList() + " did not confirm within "
          + CONFIRM_MILLIS / 1000 + " s that they closed the connections it refuses; call again to wait again");
    }
    log.info("access of {} at version {}: enforced by {}{}", volume, access.getVersion(), confirmed.stream().sorted().toList(),
        unconfirmed.isEmpty() ? "" : "; out of view: " + unconfirmed);
    return new Change(access, confirmed.stream().sorted().toList(), unconfirmed.stream().sorted().toList());
  }

  private CompletableFuture<Boolean> askNode(String nodeId, String volume, long version) {
    AccessAppliedRequest request = AccessAppliedRequest.newBuilder().setVolume(volume).setAccessVersion(version)
        .setWaitMillis(CONFIRM_MILLIS).build();
    return AppliedCall.ask(observer -> AccessGrpc.newStub(node.channelTo(nodeId))
        .withDeadlineAfter(CONFIRM_MILLIS + 2_000, TimeUnit.MILLISECONDS).applied(request, observer),
        AccessAppliedReply::getApplied);
  }

  /** The Access service: another node's revoke asks whether this node enforces it yet. */
  @Override
  public void applied(AccessAppliedRequest req, StreamObserver<AccessAppliedReply> out) {
    long wait = Math.max(0, Math.min(req.getWaitMillis(), CONFIRM_MILLIS));
    applied(req.getVolume(), req.getAccessVersion(), wait).whenComplete((ok, e) -> {
      out.onNext(AccessAppliedReply.newBuilder().setApplied(e == null && ok).setNode(node.nodeId())
          .setAccessVersion(enforcedVersion(req.getVolume())).build());
      out.onCompleted();
    });
  }

  /** Completes true once this node enforces the volume's access at {@code version} or newer; false after the wait. */
  CompletableFuture<Boolean> applied(String volume, long version, long waitMillis) {
    CompletableFuture<Boolean> done = new CompletableFuture<>();
    synchronized (this) {
      if (enforcedVersion(volume) >= version) {
        return CompletableFuture.completedFuture(true);
      }
      waiters.add(new Waiter(volume, version, done));
    }
    return done.completeOnTimeout(false, waitMillis, TimeUnit.MILLISECONDS).whenComplete((ok, e) -> {
      synchronized (this) {
        waiters.removeIf(w -> w.done() == done);
      }
    });
  }

  private synchronized long enforcedVersion(String volume) {
    return enforced.getOrDefault(volume, 0L);
  }

  /** On the raft applier thread: queue enforcement of the volume's access if it changed. */
  private void changed(VolumeRecord v) {
    if (v.getUid() == 0) {
      // Deleted: its connections end with it, and any wait for it is over.
      enforcedAt(v.getName(), Long.MAX_VALUE);
      return;
    }
    long version = v.getAccess().getVersion();
    synchronized (this) {
      if (enforced.containsKey(v.getName()) && enforced.get(v.getName()) == version) {
        return;
      }
    }
    if (!enforcer.isShutdown()) {
      enforcer.execute(() -> enforce(v.getName(), version));
    }
  }

  /** Closes what the volume's access no longer admits, then records the version as enforced. */
  private void enforce(String volume, long version) {
    try {
      gate.closeRefused(volume).get(CONFIRM_MILLIS, TimeUnit.MILLISECONDS);
      enforcedAt(volume, version);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      log.error("closing the connections access version {} of {} refuses failed; not confirming it",
          version, volume, e);
    }
  }

  /** A view change: out of the majority, this node closes every connection to a restricted volume. */
  void viewChanged() {
    if (!node.inMajority()) {
      for (VolumeRecord v : metadata.volumes()) {
        if (v.hasAccess() && !enforcer.isShutdown()) {
          enforcer.execute(() -> gate.closeRefused(v.getName()));
        }
      }
    }
  }

  private void enforcedAt(String volume, long version) {
    List<CompletableFuture<Boolean>> release = new ArrayList<>();
    synchronized (this) {
      enforced.put(volume, version);
      for (Waiter w : waiters) {
        if (w.volume().equals(volume) && version >= w.version()) {
          release.add(w.done());
        }
      }
    }
    release.forEach(f -> f.complete(true));
  }

  private VolumeRecord record(String volume) {
    return metadata.volume(volume).orElseThrow(() ->
        new VolumeAdminException(Reason.NOT_FOUND, "no volume named " + volume));
  }

  @Override
  public void close() {
    enforcer.shutdownNow();
  }

  /** For the doors: the cluster's names of a kind, or null when that kind is not restricted. */
  public static List<String> initiators(Optional<VolumeAccess> a) {
    return a.filter(VolumeAccess::getInitiatorsRestricted).map(VolumeAccess::getInitiatorsList).orElse(null);
  }

  public static List<String> certificateNames(Optional<VolumeAccess> a) {
    return a.filter(VolumeAccess::getCertificateNamesRestricted).map(VolumeAccess::getCertificateNamesList)
        .orElse(null);
  }
}
