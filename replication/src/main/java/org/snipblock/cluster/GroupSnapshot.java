package org.snipblock.cluster;

import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.snipblock.cluster.proto.GroupHoldRequest;
import org.snipblock.cluster.proto.GroupReleaseRequest;
import org.snipblock.cluster.proto.GroupReply;
import org.snipblock.cluster.proto.GroupSnapshotsGrpc;
import org.snipblock.cluster.proto.GroupTakeRequest;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.store.SnapshotNames;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One point in time across volumes whose primaries are on several nodes, coordinated by the node
 * asked, in two phases: every primary holds new writes to its volumes of the group; once all hold,
 * each takes its volumes' sequenced snapshots; once all are taken, every primary releases. No
 * snapshot is sequenced before every hold is in place and no hold is released before every
 * snapshot is, so a write acknowledged before another was issued is in every snapshot the other is
 * in. Any failure or timeout aborts: the holds are released and the snapshots taken deleted again;
 * a hold whose lease ran out early is refused at the release, which aborts the group too.
 */
final class GroupSnapshot {
  private static final Logger log = LoggerFactory.getLogger(GroupSnapshot.class);
  /** How long a primary holds writes for a group before it gives up on the coordinator. */
  static final long LEASE_MILLIS = 15_000;

  private final ClusterNode node;
  private final GroupHolds local;

  GroupSnapshot(ClusterNode node, GroupHolds local) {
    this.node = node;
    this.local = local;
  }

  /** One primary's part: its volumes of the group, asked directly here or over the cluster port. */
  private interface Part {
    CompletableFuture<Void> hold(String group, List<String> volumes, String snapshot);

    CompletableFuture<Void> take(String group);

    CompletableFuture<Void> release(String group, boolean abort);
  }

  CompletableFuture<Void> take(List<String> volumes, String snapshot) {
    SnapshotNames.check(snapshot);
    if (volumes.stream().distinct().count() != volumes.size()) {
      throw new VolumeAdminException(Reason.INVALID_ARGUMENT, "a volume is named twice in the group " + volumes);
    }
    Map<String, List<String>> byPrimary = new LinkedHashMap<>();
    for (String v : volumes) {
      VolumeRecord r = node.metadata().volume(v).orElseThrow(() ->
          new VolumeAdminException(Reason.NOT_FOUND, "no volume named " + v));
      byPrimary.computeIfAbsent(r.getPrimary(), p -> new ArrayList<>()).add(v);
    }
    String group = UUID.randomUUID().toString();
    Map<String, Part> parts = new LinkedHashMap<>();
    byPrimary.keySet().forEach(p -> parts.put(p, part(p)));
    return all(parts, (p, part) -> part.hold(group, byPrimary.get(p), snapshot))
        .thenCompose(x -> all(parts, (p, part) -> part.take(group)))
        .thenCompose(x -> all(parts, (p, part) -> part.release(group, false)))
        .exceptionallyCompose(e -> {
          log.warn("group snapshot {} of {} failed, aborting it: {}", snapshot, volumes, cause(e).getMessage());
          return all(parts, (p, part) -> part.release(group, true)).handle((x, f) -> {
            if (f != null) {
              log.warn("aborting group snapshot {}: {}", snapshot, cause(f).getMessage());
            }
            throw new CompletionException(cause(e));
          });
        });
  }

  /** Runs one phase on every part and waits for all of them (even after one failed); fails with the first failure. */
  private static CompletableFuture<Void> all(Map<String, Part> parts,
      java.util.function.BiFunction<String, Part, CompletableFuture<Void>> phase) {
    List<CompletableFuture<Void>> done = new ArrayList<>();
    parts.forEach((p, part) -> {
      CompletableFuture<Void> f;
      try {
        f = phase.apply(p, part);
      } catch (RuntimeException e) {
        f = CompletableFuture.failedFuture(e);
      }
      done.add(f);
    });
    return CompletableFuture.allOf(done.stream().map(f -> f.handle((x, e) -> null)).toArray(CompletableFuture[]::new))
        .thenCompose(x -> done.stream().filter(CompletableFuture::isCompletedExceptionally).findFirst()
            .orElse(CompletableFuture.completedFuture(null)));
  }

  private Part part(String nodeId) {
    if (nodeId.equals(node.nodeId())) {
      return new Part() {
        @Override
        public CompletableFuture<Void> hold(String group, List<String> volumes, String snapshot) {
          local.hold(group, volumes, snapshot, LEASE_MILLIS);
          return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Void> take(String group) {
          return local.take(group);
        }

        @Override
        public CompletableFuture<Void> release(String group, boolean abort) {
          local.release(group, abort);
          return CompletableFuture.completedFuture(null);
        }
      };
    }
    return new Part() {
      private GroupSnapshotsGrpc.GroupSnapshotsStub stub() {
        return GroupSnapshotsGrpc.newStub(node.channelTo(nodeId))
            .withDeadlineAfter(LEASE_MILLIS + 5_000, TimeUnit.MILLISECONDS);
      }

      @Override
      public CompletableFuture<Void> hold(String group, List<String> volumes, String snapshot) {
        return call(nodeId, o -> stub().hold(GroupHoldRequest.newBuilder().setGroup(group).addAllVolumes(volumes)
            .setSnapshot(snapshot).setLeaseMillis(LEASE_MILLIS).build(), o));
      }

      @Override
      public CompletableFuture<Void> take(String group) {
        return call(nodeId, o -> stub().take(GroupTakeRequest.newBuilder().setGroup(group).build(), o));
      }

      @Override
      public CompletableFuture<Void> release(String group, boolean abort) {
        return call(nodeId, o -> stub().release(GroupReleaseRequest.newBuilder().setGroup(group).setAbort(abort)
            .build(), o));
      }
    };
  }

  private static CompletableFuture<Void> call(String nodeId, Consumer<StreamObserver<GroupReply>> send) {
    CompletableFuture<Void> out = new CompletableFuture<>();
    send.accept(new StreamObserver<>() {
      @Override
      public void onNext(GroupReply r) {
        if (r.getOk()) {
          out.complete(null);
        } else {
          out.completeExceptionally(new VolumeAdminException(reason(r.getReason()), r.getError()));
        }
      }

      @Override
      public void onError(Throwable t) {
        out.completeExceptionally(new VolumeAdminException(Reason.FAILED_PRECONDITION, "node " + nodeId
            + " did not answer: " + t.getMessage()));
      }

      @Override
      public void onCompleted() {
        out.complete(null);
      }
    });
    return out;
  }

  private static Reason reason(String name) {
    for (Reason r : Reason.values()) {
      if (r.name().equals(name)) {
        return r;
      }
    }
    return Reason.FAILED_PRECONDITION;
  }

  static Throwable cause(Throwable e) {
    Throwable t = e;
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** The participants' side over the cluster port: answers every call, failures as a reply. */
  static final class Service extends GroupSnapshotsGrpc.GroupSnapshotsImplBase {
    private final GroupHolds holds;

    Service(GroupHolds holds) {
      this.holds = holds;
    }

    @Override
    public void hold(GroupHoldRequest r, StreamObserver<GroupReply> out) {
      answer(out, () -> {
        holds.hold(r.getGroup(), r.getVolumesList(), r.getSnapshot(), r.getLeaseMillis());
        return CompletableFuture.completedFuture(null);
      });
    }

    @Override
    public void take(GroupTakeRequest r, StreamObserver<GroupReply> out) {
      answer(out, () -> holds.take(r.getGroup()));
    }

    @Override
    public void release(GroupReleaseRequest r, StreamObserver<GroupReply> out) {
      answer(out, () -> {
        holds.release(r.getGroup(), r.getAbort());
        return CompletableFuture.completedFuture(null);
      });
    }

    private static void answer(StreamObserver<GroupReply> out, java.util.function.Supplier<CompletableFuture<Void>> call) {
      CompletableFuture<Void> f;
      try {
        f = call.get();
      } catch (RuntimeException e) {
        f = CompletableFuture.failedFuture(e);
      }
      f.whenComplete((x, e) -> {
        GroupReply.Builder b = GroupReply.newBuilder().setOk(e == null);
        if (e != null) {
          Throwable c = cause(e);
          b.setError(c.getMessage() == null ? c.toString() : c.getMessage())
              .setReason(c instanceof VolumeAdminException v ? v.reason().name() : Reason.FAILED_PRECONDITION.name());
        }
        out.onNext(b.build());
        out.onCompleted();
      });
    }
  }
}
