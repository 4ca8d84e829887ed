package org.snipblock.cluster;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.snipblock.block.DaemonThreads;
import org.snipblock.cluster.meta.Clones;
import org.snipblock.cluster.meta.Stripes;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.proto.SnippetPlacement;
import org.snipblock.cluster.proto.StoreIoLoad;
import org.snipblock.cluster.proto.VolumeRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relocation off a full, busy or slow node: while this node is over one of its thresholds
 * ({@link RelocationThresholds}: capacity, IOPS, latency p99), it first, when over an I/O threshold,
 * hands one volume it serves as primary to a calmer in-sync holder ({@link HotPrimaries}); else it
 * moves one snippet copy at a time
 * (one it holds but does not serve as primary) to the node the placement policy chooses among
 * those a copy would not put over a threshold of their own (by nearness, free capacity and
 * measured round trip from the volume's primary), with {@link CopyMove} (copy, sync, relabel,
 * switch; the copy left behind is trimmed and its label names the new holders), in the mode
 * {@link MoveModes} chooses. After each move it decides again once what it measures is fresh: a
 * usage report newer than the move for capacity, a whole measuring window of I/O for the others.
 */
final class Relocator {
  private static final Logger log = LoggerFactory.getLogger(Relocator.class);
  private static final Duration MOVE = Duration.ofMinutes(10);

  private final ClusterNode node;
  private final StoreIo io;
  private final ExecutorService runner;
  private final AtomicBoolean running = new AtomicBoolean();
  private volatile long lastMoveEndedMillis;

  Relocator(ClusterNode node, StoreIo io) {
    this.node = node;
    this.io = io;
    this.runner = Executors.newSingleThreadExecutor(DaemonThreads.named("relocate-" + node.nodeId()));
  }

  /** Called on the node's timer: starts one move if this node is over a threshold and none runs. */
  void check() {
    NodeRecord me = node.metadata().node(node.nodeId()).orElse(null);
    if (me == null || !me.getDrainState().isEmpty() || running.get()) {
      return;
    }
    // Measured since the last move ended, or what it measures still includes that move.
    boolean ioFresh = System.currentTimeMillis() - lastMoveEndedMillis >= StoreIo.WINDOW_SECONDS * 1000L;
    StoreIo.Sample s = io.sample();
    StoreIoLoad measured = ioFresh ? StoreIoLoad.newBuilder().setIops(s.iops()).setLatencyP99Micros(s.latencyP99Micros())
        .build() : StoreIoLoad.getDefaultInstance();
    NodeRecord asMeasured = me.getReportedAtMillis() > lastMoveEndedMillis ? me
        : me.toBuilder().setCapacityThresholdPercent(0).build();
    String over = RelocationThresholds.over(asMeasured, 0, measured);
    if (over == null || !running.compareAndSet(false, true)) {
      return;
    }
    boolean hot = RelocationThresholds.overIo(asMeasured, measured);
    runner.execute(() -> {
      try {
        if (!hot || !handOverOne(over, measured)) {
          moveOne(over);
        }
      } catch (RuntimeException e) {
        log.warn("relocation off {} paused: {}", node.nodeId(), e.getMessage());
      } finally {
        lastMoveEndedMillis = System.currentTimeMillis();
        running.set(false);
      }
    });
  }

  /** Hands one primary to a calmer in-sync holder ({@link HotPrimaries}); false when none fits. */
  private boolean handOverOne(String over, StoreIoLoad measured) {
    Set<String> reachable = new HashSet<>();
    node.metadata().nodes().stream().filter(n -> node.view().contains(n.getMember()))
        .forEach(n -> reachable.add(n.getId()));
    HotPrimaries.Handover h = HotPrimaries.choose(node.nodeId(), measured, node.metadata().volumes(),
        node.metadata().nodes(), reachable).orElse(null);
    if (h == null) {
      return false;
    }
    log.info("node {} is above its {}: handing volume {} to {} (a calmer in-sync holder of every stripe)",
        node.nodeId(), over, h.volume(), h.to());
    new PrimaryHandover(node).move(h.volume(), h.to());
    return true;
  }

  private void moveOne(String over) {
    String self = node.nodeId();
    for (VolumeRecord v : Clones.parentsFirst(node.metadata().volumes())) {
      if (v.getPrimary().equals(self) || v.getMovingCount() > 0) {
        continue;   // a primary keeps its copies; one move per volume at a time
      }
      for (int i = 0; i < v.getSnippetsCount(); i++) {
        SnippetPlacement s = v.getSnippets(i);
        if (!s.getNodesList().contains(self) || s.getStaleList().contains(self)) {
          continue;
        }
        Map<String, Double> rtt = node.metadata().node(v.getPrimary()).map(NodeRecord::getRttMillisMap)
            .orElse(Map.of());
        String to;
        try {
          to = node.placement().move(RelocationThresholds.targets(node.volumes().descriptors(),
              node.metadata().nodes(), Stripes.bytesOf(v, 0)), Drainer.request(v), List.of(s.getNodesList()), self,
              rtt, Clones.parentHolders(v, i, node.metadata()::volume));
        } catch (RuntimeException e) {
          continue;
        }
        RelocationSettings.MoveMode mode = MoveModes.choose(node.config().relocation().moveMode(), rtt.get(to),
            node.following().settings().syncBoundMillis());
        log.info("node {} is above its {}: moving stripe {} of {} to {} ({} move, {} ms from the primary)", self,
            over, i, v.getName(), to, mode, rtt.get(to));
        new CopyMove(node, v.getName(), i, self, to).run(MOVE, mode);
        return;
      }
    }
    log.warn("node {} is above its {} but no copy it holds can move elsewhere", self, over);
  }

  void close() {
    runner.shutdownNow();
  }
}
