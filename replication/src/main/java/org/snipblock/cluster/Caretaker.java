package org.snipblock.cluster;

import io.grpc.ManagedChannel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.snipblock.block.VolumeMdc;
import org.snipblock.cluster.follow.ConsumerChoice;
import org.snipblock.cluster.meta.ClusterMetadata;
import org.snipblock.cluster.meta.Clones;
import org.snipblock.cluster.meta.StaleCopies;
import org.snipblock.cluster.meta.Stripes;
import org.snipblock.cluster.proto.ChangePrimary;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.proto.ReplaceCopies;
import org.snipblock.cluster.proto.ReplicaState;
import org.snipblock.cluster.proto.ReplicaStateRequest;
import org.snipblock.cluster.proto.ReplicationGrpc;
import org.snipblock.cluster.proto.SnippetPlacement;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.replica.ReplicationSettings;
import org.snipblock.cluster.topology.FailureDomain;
import org.snipblock.cluster.topology.Location;
import org.snipblock.cluster.topology.PlacementPolicy;
import org.snipblock.cluster.topology.PlacementException;
import org.snipblock.store.VolumeAdminException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metadata leader's duties after failures, run periodically on whichever node leads:
 * <ul>
 *   <li>failover: a volume whose primary has been out of the view for the failover delay gets a
 *       new primary, a live non-stale holder of every snippet, the one that applied the most
 *       (ties: nearest the volume's consumer, then nearest the old primary; a less advanced copy
 *       would lose acknowledged writes, so nearness never outranks progress); the change is a
 *       compare-and-set on the epoch;
 *   <li>re-replication: a holder out of the view for the re-replication delay is replaced, per
 *       snippet, by a node placement chooses under the volume's policy; the newcomer starts stale
 *       and the primary copies the snippet to it.
 * </ul>
 */
final class Caretaker {
  private static final Logger log = LoggerFactory.getLogger(Caretaker.class);

  private final ClusterNode node;
  private final ClusterMetadata metadata;
  private final Function<String, ManagedChannel> channels;
  private final ReplicationSettings settings;
  private final Map<String, Long> absentSince = new HashMap<>();
  // Not the leader's duty: every node drains itself when on record as DRAINING (a handover is the
  // primary's), sheds copies itself when above its capacity threshold, and reports how far its
  // primaries' move targets are.
  private final Drainer drainer;
  private final Relocator relocator;
  private final StrandedMoves strandedMoves;
  private final AutoRebalance rebalance;
  private final MoveProgressReports moveProgress;

  /** @param io this node's store I/O, which relocation's IOPS and latency thresholds read */
  Caretaker(ClusterNode node, Function<String, ManagedChannel> channels, ReplicationSettings settings, StoreIo io) {
    this.node = node;
    this.metadata = node.metadata();
    this.channels = channels;
    this.settings = settings;
    this.drainer = new Drainer(node);
    this.relocator = new Relocator(node, io);
    this.strandedMoves = new StrandedMoves(node, settings.failoverDelay());
    this.rebalance = new AutoRebalance(node, node.config().relocation().rebalanceMarginPercent());
    this.moveProgress = new MoveProgressReports(node);
  }

  void close() {
    drainer.close();
    relocator.close();
    rebalance.close();
  }

  /** One round; called on a timer. Does nothing unless this node leads the metadata group. */
  void tick(boolean leader, Set<String> view) {
    long now = System.nanoTime();
    Map<String, String> memberOf = new HashMap<>();
    for (NodeRecord n : metadata.nodes()) {
      memberOf.put(n.getId(), n.getMember());
      if (view.contains(n.getMember())) {
        absentSince.remove(n.getId());
      } else {
        absentSince.putIfAbsent(n.getId(), now);
      }
    }
    drainer.check();
    relocator.check();
    moveProgress.tick();
    if (!leader) {
      return;
    }
    try {
      strandedMoves.tick(now, id -> absentFor(id, now));
    } catch (VolumeAdminException e) {
      log.warn("ending a stranded move: {}", e.getMessage());
    }
    rebalance.tick();
    Map<String, VolumeRecord> rereplicated = new HashMap<>();
    for (VolumeRecord v : Clones.parentsFirst(metadata.volumes())) {
      try (VolumeMdc volume = VolumeMdc.of(v.getName())) {
        if (absentFor(v.getPrimary(), now) >= settings.failoverDelay().toNanos()) {
          failover(v, view, memberOf);
        } else {
          rereplicate(v, now, rereplicated);
        }
      } catch (VolumeAdminException e) {
        log.warn("volume {}: {}", v.getName(), e.getMessage());
      }
    }
  }

  private long absentFor(String nodeId, long now) {
    Long since = absentSince.get(nodeId);
    return since == null ? -1 : now - since;
  }

  private void failover(VolumeRecord v, Set<String> view, Map<String, String> memberOf) {
    List<String> candidates = new ArrayList<>();
    for (String id : memberOf.keySet()) {
      boolean holdsAll = v.getSnippetsList().stream().allMatch(s -> s.getNodesList().contains(id));
      if (!id.equals(v.getPrimary()) && holdsAll && view.contains(memberOf.get(id))
          && !StaleCopies.anywhere(v, id)) {
        candidates.add(id);
      }
    }
    if (candidates.isEmpty()) {
      log.warn("volume {}: primary {} is gone and no live, in-sync holder of every snippet can take over",
          v.getName(), v.getPrimary());
      return;
    }
    // What each holder has applied; a replica restarted since reports the last flush it recorded
    // (a lower bound) or, if it recorded none, nothing it can vouch for: it ranks after all that can.
    Map<String, Long> applied = new HashMap<>();
    Map<String, Boolean> known = new HashMap<>();
    for (String id : candidates) {
      appliedState(id, v.getName()).ifPresent(s -> {
        applied.put(id, s.getAppliedSeq());
        known.put(id, s.getKnown());
      });
    }
    Optional<Location> old = metadata.node(v.getPrimary()).map(n -> Location.parse(n.getLocation()));
    String chosen = candidates.stream()
        .filter(applied::containsKey)
        .min(Comparator.comparingInt((String id) -> known.get(id) ? 0 : 1)
            .thenComparingLong(id -> -applied.get(id))
            .thenComparing(ConsumerChoice.nearestFirst(v, this::location))
            .thenComparingInt(id -> old.map(o -> o.distance(location(id))).orElse(0))
            .thenComparing(id -> id))
        .orElse(null);
    if (chosen == null) {
      log.warn("volume {}: no candidate primary answered", v.getName());
      return;
    }
    if (!known.get(chosen)) {
      applied.put(chosen, -1L);
    }
    // Holders that did not get as far as the new primary (a sync write needs only min-copies of
    // them), and partial holders whose progress is not comparable, must resync before they count.
    List<String> behind = new ArrayList<>();
    for (SnippetPlacement s : v.getSnippetsList()) {
      for (String h : s.getNodesList()) {
        if (!h.equals(chosen) && !h.equals(v.getPrimary()) && !behind.contains(h)
            && applied.getOrDefault(h, -1L) < applied.get(chosen)) {
          behind.add(h);
        }
      }
    }
    VolumeRecord after = node.commit(MetaCommand.newBuilder().setChangePrimary(ChangePrimary.newBuilder()
        .setName(v.getName()).setExpectedEpoch(v.getEpoch()).setNewPrimary(chosen).addAllStale(behind)).build());
    if (!behind.isEmpty()) {
      log.info("volume {}: holders {} are behind the new primary and will be resynced", v.getName(), behind);
    }
    log.info("volume {}: primary {} lost; {} takes over at epoch {}", v.getName(), v.getPrimary(), chosen,
        after.getEpoch());
  }

  private Location location(String id) {
    return metadata.node(id).map(n -> Location.parse(n.getLocation())).orElseThrow();
  }

  private Optional<ReplicaState> appliedState(String nodeId, String volume) {
    try {
      return Optional.of(ReplicationGrpc.newBlockingStub(channels.apply(nodeId)).withDeadlineAfter(2, TimeUnit.SECONDS)
          .state(ReplicaStateRequest.newBuilder().setVolume(volume).build()));
    } catch (RuntimeException e) {
      log.debug("state of {} on {} unavailable: {}", volume, nodeId, e.toString());
      return Optional.empty();
    }
  }

  private void rereplicate(VolumeRecord v, long now, Map<String, VolumeRecord> rereplicated) {
    for (int i = 0; i < v.getSnippetsCount(); i++) {
      List<String> holders = v.getSnippets(i).getNodesList();
      List<String> lost = holders.stream()
          .filter(h -> !h.equals(v.getPrimary()) && absentFor(h, now) >= settings.rereplicationDelay().toNanos())
          .toList();
      if (lost.isEmpty()) {
        continue;
      }
      List<String> surviving = new ArrayList<>(holders);
      surviving.removeAll(lost);
      List<String> added;
      try {
        added = node.placement().replace(node.volumes().descriptors(), PlacementRequests.of(v, v.getPrimary(),
            Stripes.bytesOf(v, i)), surviving,
            Clones.parentHolders(v, i, name -> Optional.ofNullable(rereplicated.get(name))
                .or(() -> metadata.volume(name))));
      } catch (PlacementException e) {
        log.warn("volume {} stripe {}: cannot re-replicate away from {}: {}", v.getName(), i, lost, e.getMessage());
        continue;
      }
      List<String> kept = new ArrayList<>(surviving);
      kept.addAll(added);
      rereplicated.put(v.getName(), node.commit(MetaCommand.newBuilder().setReplaceCopies(ReplaceCopies.newBuilder()
          .setName(v.getName()).setSnippet(i).addAllNodes(kept).addAllAdded(added)).build()));
      log.info("volume {} stripe {}: copies on {} lost, re-replicating to {}", v.getName(), i, lost, added);
    }
  }
}
