package org.snipblock.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.snipblock.block.DaemonThreads;
import org.snipblock.cluster.meta.Clones;
import org.snipblock.cluster.meta.StaleCopies;
import org.snipblock.cluster.meta.Stripes;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.CopyMoving;
import org.snipblock.cluster.proto.SetNodeState;
import org.snipblock.cluster.proto.SnippetPlacement;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.topology.FailureDomain;
import org.snipblock.cluster.topology.NodeState;
import org.snipblock.cluster.topology.PlacementPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The draining node's own work while the metadata says it is DRAINING: hands every primary it
 * serves to another node (a planned handover, after that node holds every snippet in sync), then
 * moves every copy it holds elsewhere ({@link CopyMove}, targets asked of the placement policy),
 * one at a time, and finally puts itself on record as DRAINED. It runs here because a planned
 * handover is made by the primary itself. An undrain stops it after the move under way.
 */
final class Drainer {
  private static final Logger log = LoggerFactory.getLogger(Drainer.class);
  private static final Duration MOVE = Duration.ofMinutes(10);

  private final ClusterNode node;
  private final ExecutorService runner;
  private final AtomicBoolean running = new AtomicBoolean();

  Drainer(ClusterNode node) {
    this.node = node;
    this.runner = Executors.newSingleThreadExecutor(DaemonThreads.named("drain-" + node.nodeId()));
  }

  /** Called on the node's timer: starts the drain if this node is on record as DRAINING and none runs. */
  void check() {
    if (draining() && running.compareAndSet(false, true)) {
      runner.execute(() -> {
        try {
          drain();
        } catch (RuntimeException e) {
          log.warn("drain of {} paused, trying again: {}", node.nodeId(), e.getMessage());
        } finally {
          running.set(false);
        }
      });
    }
  }

  private boolean draining() {
    return node.metadata().node(node.nodeId()).map(n -> n.getDrainState().equals(NodeState.DRAINING.name()))
        .orElse(false);
  }

  private void drain() {
    String self = node.nodeId();
    while (draining()) {
      Optional<VolumeRecord> served = node.metadata().volumes().stream().filter(v -> v.getPrimary().equals(self))
          .findFirst();
      if (served.isPresent()) {
        handOver(served.get());
        continue;
      }
      Optional<CopyMove> next = nextCopy();
      if (next.isEmpty()) {
        node.commit(MetaCommand.newBuilder().setSetNodeState(SetNodeState.newBuilder().setId(self)
            .setDrainState(NodeState.DRAINED.name())).build());
        log.info("node {} is drained: it holds no copy and serves no volume; safe to stop", self);
        return;
      }
      next.get().run(MOVE);
    }
  }

  /** The first copy this node still holds, and where placement says it goes. */
  private Optional<CopyMove> nextCopy() {
    String self = node.nodeId();
    // Parents first: a clone's copy then moves to where its parent's copy went, sharing its data there.
    for (VolumeRecord v : Clones.parentsFirst(node.metadata().volumes())) {
      // A move begun before (a drain interrupted, a handover that failed) is finished first.
      for (CopyMoving c : v.getMovingList()) {
        if (c.getFrom().equals(self)) {
          return Optional.of(new CopyMove(node, v.getName(), (int) c.getSnippet(), self, c.getTo()));
        }
      }
      for (int i = 0; i < v.getSnippetsCount(); i++) {
        SnippetPlacement s = v.getSnippets(i);
        if (s.getNodesList().contains(self)) {
          String to = node.placement().move(node.volumes().descriptors(), request(v), List.of(s.getNodesList()), self,
              Map.of(), Clones.parentHolders(v, i, node.metadata()::volume));
          return Optional.of(new CopyMove(node, v.getName(), i, self, to));
        }
      }
    }
    return Optional.empty();
  }

  /**
   * Hands the volume to an in-sync holder of every stripe, or else first gives the node placement
   * chooses a copy of every stripe it lacks; this node's own copies move afterwards, one by one.
   */
  private void handOver(VolumeRecord v) {
    String self = node.nodeId();
    List<List<String>> holders = v.getSnippetsList().stream().map(s -> List.copyOf(s.getNodesList())).toList();
    String target = node.volumes().descriptors().stream()
        .filter(d -> d.state() == NodeState.UP && !d.id().equals(self))
        .filter(d -> holders.stream().allMatch(h -> h.contains(d.id())) && !StaleCopies.anywhere(v, d.id()))
        .map(d -> d.id()).findFirst()
        .orElseGet(() -> node.placement().move(node.volumes().descriptors(), request(v), holders, self));
    List<CopyMove> added = new ArrayList<>();
    for (int i = 0; i < v.getSnippetsCount(); i++) {
      int snippet = i;
      boolean begun = v.getMovingList().stream().anyMatch(c -> c.getSnippet() == snippet && c.getFrom().equals(self)
          && c.getTo().equals(target));
      if (begun || !holders.get(i).contains(target)) {
        CopyMove m = new CopyMove(node, v.getName(), i, self, target);
        m.begin();
        added.add(m);
      }
    }
    for (CopyMove m : added) {
      m.awaitInSync(MOVE);
    }
    VolumeWait.until(node.metadata(), v.getName(), r -> !StaleCopies.anywhere(r, target), MOVE,
        "every copy on " + target + " coming in sync");
    log.info("drain of {}: handing volume {} to {}", self, v.getName(), target);
    new PrimaryHandover(node).move(v.getName(), target);
    for (CopyMove m : added) {
      m.finish();
    }
  }

  /** A move's request: a stripe counts as fully written (the record does not say how much of it is). */
  static PlacementPolicy.Request request(VolumeRecord v) {
    return PlacementRequests.of(v, v.getPrimary(), Stripes.bytesOf(v, 0));
  }

  void close() {
    runner.shutdownNow();
  }
}
