package org.snipblock.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.snipblock.block.DaemonThreads;
import org.snipblock.cluster.replica.ReplicatedBlockDevice;
import org.snipblock.store.SnapshotNames;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A primary's part in group snapshots whose volumes have primaries on several nodes
 * ({@link GroupSnapshot} coordinates): hold new writes to this node's volumes of the group, take
 * their sequenced snapshots once every primary holds, release. A hold is leased: if the coordinator
 * does not release it in time (it died, or a phase hung) the writes go on, the snapshots this group
 * took here are deleted again, and the coordinator's release is answered with a refusal, so a group
 * is never reported taken once one of its holds ran out early (which would let a write slip in
 * after one volume's snapshot and before another's).
 */
final class GroupHolds implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GroupHolds.class);

  private final ClusterSnapshots snapshots;
  private final Function<String, ReplicatedBlockDevice> primary;
  private final Map<String, Group> groups = new ConcurrentHashMap<>();
  private final ScheduledExecutorService timer;

  private static final class Group {
    final List<String> volumes;
    final String snapshot;
    final List<Runnable> releases;
    final List<String> taken = new ArrayList<>();
    ScheduledFuture<?> timeout;
    boolean released;
    boolean expired;

    Group(List<String> volumes, String snapshot, List<Runnable> releases) {
      this.volumes = volumes;
      this.snapshot = snapshot;
      this.releases = releases;
    }
  }

  GroupHolds(String nodeId, ClusterSnapshots snapshots, Function<String, ReplicatedBlockDevice> primary) {
    this.snapshots = snapshots;
    this.primary = primary;
    this.timer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("group-holds-" + nodeId));
  }

  /** Holds new writes to {@code volumes} (each served here, none with the snapshot yet) for at most {@code leaseMillis}. */
  void hold(String group, List<String> volumes, String snapshot, long leaseMillis) {
    SnapshotNames.check(snapshot);
    if (volumes.isEmpty() || leaseMillis <= 0) {
      throw new VolumeAdminException(Reason.INVALID_ARGUMENT, "a group hold needs volumes and a lease");
    }
    List<ReplicatedBlockDevice> devices = new ArrayList<>();
    for (String v : volumes) {
      devices.add(primary.apply(v));
      if (snapshots.list(v).stream().anyMatch(s -> s.name().equals(snapshot))) {
        throw new VolumeAdminException(Reason.ALREADY_EXISTS, "volume " + v + " already has a snapshot named "
            + snapshot);
      }
    }
    Group g = new Group(List.copyOf(volumes), snapshot, devices.stream().map(ReplicatedBlockDevice::hold).toList());
    if (groups.putIfAbsent(group, g) != null) {
      g.releases.forEach(Runnable::run);
      throw new VolumeAdminException(Reason.ALREADY_EXISTS, "group " + group + " is held here already");
    }
    synchronized (g) {
      g.timeout = timer.schedule(() -> expire(group, g, leaseMillis), leaseMillis, TimeUnit.MILLISECONDS);
    }
  }

  /** Takes the group's snapshots here, each one op of its volume's stream; refused once the lease ran out. */
  CompletableFuture<Void> take(String group) {
    Group g = held(group);
    List<CompletableFuture<Void>> taken = new ArrayList<>();
    synchronized (g) {
      if (g.expired || g.released) {
        throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "group " + group + " is no longer held here");
      }
      for (String v : g.volumes) {
        taken.add(snapshots.take(v, g.snapshot).thenAccept(x -> tookOne(g, v)));
      }
    }
    return CompletableFuture.allOf(taken.toArray(CompletableFuture[]::new));
  }

  private void tookOne(Group g, String volume) {
    boolean late;
    synchronized (g) {
      g.taken.add(volume);
      late = g.expired;
    }
    if (late) {
      deleteQuietly(volume, g.snapshot);
    }
  }

  /**
   * Lets the writes go on; with {@code abort}, deletes the snapshots the group took here. A release
   * that finds the lease ran out first is refused (the coordinator then aborts the whole group).
   */
  void release(String group, boolean abort) {
    Group g = groups.get(group);
    if (g == null) {
      if (abort) {
        return;
      }
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "group " + group + " is not held here any more: its "
          + "hold ran out before it was released");
    }
    List<String> undo;
    synchronized (g) {
      if (g.expired) {
        throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "group " + group + ": the hold ran out before it"
            + " was released");
      }
      g.timeout.cancel(false);
      if (!g.released) {
        g.released = true;
        g.releases.forEach(Runnable::run);
      }
      undo = abort ? List.copyOf(g.taken) : List.of();
      if (abort) {
        groups.remove(group);
      } else {
        // Kept a while: the coordinator may still abort the group if another primary's release failed.
        g.timeout = timer.schedule(() -> groups.remove(group, g), 10, TimeUnit.MINUTES);
      }
    }
    undo.forEach(v -> deleteQuietly(v, g.snapshot));
  }

  private void expire(String group, Group g, long leaseMillis) {
    List<String> undo;
    synchronized (g) {
      if (g.released || !groups.remove(group, g)) {
        return;
      }
      g.expired = true;
      g.releases.forEach(Runnable::run);
      undo = List.copyOf(g.taken);
    }
    log.warn("group snapshot {} of {}: not released within {} ms; writes go on and the group fails", g.snapshot,
        g.volumes, leaseMillis);
    undo.forEach(v -> deleteQuietly(v, g.snapshot));
  }

  private Group held(String group) {
    Group g = groups.get(group);
    if (g == null) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "group " + group + " is not held here");
    }
    return g;
  }

  private void deleteQuietly(String volume, String snapshot) {
    try {
      snapshots.delete(volume, snapshot).whenComplete((x, e) -> {
        if (e != null) {
          log.warn("group snapshot {} of {} could not be deleted again: {}", snapshot, volume, e.toString());
        }
      });
    } catch (RuntimeException e) {
      log.warn("group snapshot {} of {} could not be deleted again: {}", snapshot, volume, e.toString());
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
    groups.values().forEach(g -> {
      synchronized (g) {
        if (!g.released) {
          g.released = true;
          g.releases.forEach(Runnable::run);
        }
      }
    });
  }
}
