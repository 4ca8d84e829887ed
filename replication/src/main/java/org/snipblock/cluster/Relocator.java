package org.snipblock.cluster;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.snipblock.cluster.meta.Clones;
import org.snipblock.cluster.meta.Stripes;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.proto.SnippetPlacement;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.topology.NodeDescriptor;
import org.snipblock.cluster.topology.NodeState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relocation off a full node: while this node's reported used space is above its capacity
 * threshold, it moves one snippet copy at a time (one it holds but does not serve as primary) to
 * the node the placement policy chooses among those that stay under their own threshold (by
 * nearness, free capacity and measured round trip from the volume's primary), with
 * {@link CopyMove} (copy, sync, relabel, switch; the copy left behind is trimmed and its label
 * names the new holders). After each move it waits for a fresh usage report before deciding again.
 */
final class Relocator {
  private static final Logger log = LoggerFactory.getLogger(Relocator.class);
  private static final Duration MOVE = Duration.ofMinutes(10);

  private final ClusterNode node;
  private final ExecutorService runner;
  private final AtomicBoolean running = new AtomicBoolean();
  private volatile long lastMoveEndedMillis;

  Relocator(ClusterNode node) {
    this.node = node;
    this.runner = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "relocate-" + node.nodeId());
      t.setDaemon(true);
      return t;
    });
  }

  /** Called on the node's timer: starts one move if this node is over its threshold and none runs. */
  void check() {
    NodeRecord me = node.metadata().node(node.nodeId()).orElse(null);
    if (me == null || !over(me, 0) || !me.getDrainState().isEmpty()
        || me.getReportedAtMillis() <= lastMoveEndedMillis || !running.compareAndSet(false, true)) {
      return;
    }
    runner.execute(() -> {
      try {
        moveOne(me);
      } catch (RuntimeException e) {
        log.warn("relocation off {} paused: {}", node.nodeId(), e.getMessage());
      } finally {
        lastMoveEndedMillis = System.currentTimeMillis();
        running.set(false);
      }
    });
  }

  /** True when the node's used space, plus {@code extra} bytes, is above its threshold. */
  static boolean over(NodeRecord n, long extra) {
    return n.getCapacityThresholdPercent() > 0 && n.getCapacityBytes() > 0
        && (n.getUsedBytes() + extra) * 100 > (long) n.getCapacityThresholdPercent() * n.getCapacityBytes();
  }

  private void moveOne(NodeRecord me) {
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
        String to;
        try {
          Map<String, Double> rtt = node.metadata().node(v.getPrimary()).map(NodeRecord::getRttMillisMap)
              .orElse(Map.of());
          to = node.placement().move(targets(Stripes.bytesOf(v, 0)), Drainer.request(v), List.of(s.getNodesList()), self,
              rtt, Clones.parentHolders(v, i, node.metadata()::volume));
        } catch (RuntimeException e) {
          continue;
        }
        log.info("node {} is above its capacity threshold ({} of {} bytes used, threshold {}%): moving stripe {} of "
            + "{} to {}", self, me.getUsedBytes(), me.getCapacityBytes(), me.getCapacityThresholdPercent(), i,
            v.getName(), to);
        new CopyMove(node, v.getName(), i, self, to).run(MOVE);
        return;
      }
    }
    log.warn("node {} is above its capacity threshold but no copy it holds can move elsewhere", self);
  }

  /** The nodes as placement sees them, those a copy would push over their own threshold not taking any. */
  private List<NodeDescriptor> targets(long bytes) {
    Map<String, NodeRecord> records = node.metadata().nodes().stream()
        .collect(Collectors.toMap(NodeRecord::getId, Function.identity()));
    return node.volumes().descriptors().stream()
        .map(d -> d.state() == NodeState.UP && over(records.get(d.id()), bytes) ? d.withState(NodeState.DRAINING) : d)
        .toList();
  }

  void close() {
    runner.shutdownNow();
  }
}
