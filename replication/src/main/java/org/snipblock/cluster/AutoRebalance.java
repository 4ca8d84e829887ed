package org.snipblock.cluster;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.snipblock.block.DaemonThreads;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.topology.NodeDescriptor;
import org.snipblock.cluster.topology.NodeState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * New capacity taken into use without the operator: on the metadata leader, once the fullest and
 * emptiest nodes in service differ by more than the rebalance margin (percentage points of their
 * capacity, as {@link RebalancePlan} measures fill), it makes the plan's first move, one copy at a
 * time with {@link CopyMove} (copy, sync, relabel, switch: never below policy), and plans again
 * after it, until the plan is empty; then it waits for the margin to be exceeded again. It starts
 * no move while any copy of the cluster is moving (a drain, a relocation, the operator's rebalance,
 * its own last move), and the resync rate caps what a move sends.
 */
final class AutoRebalance {
  private static final Logger log = LoggerFactory.getLogger(AutoRebalance.class);
  private static final Duration MOVE = Duration.ofMinutes(10);
  /** After a move failed, the next waits this long (a target that keeps refusing is not retried in a loop). */
  private static final Duration AFTER_FAILURE = Duration.ofSeconds(30);

  private final ClusterNode node;
  private final double marginPercent;
  private final ExecutorService runner;
  private final AtomicBoolean running = new AtomicBoolean();
  // Set while evening out: goes on below the margin until the plan is empty (else a newcomer would
  // stop just short of the margin instead of at its fair share).
  private volatile boolean evening;
  private volatile long pausedUntilNanos = System.nanoTime();

  AutoRebalance(ClusterNode node, double marginPercent) {
    this.node = node;
    this.marginPercent = marginPercent;
    this.runner = Executors.newSingleThreadExecutor(DaemonThreads.named("auto-rebalance-" + node.nodeId()));
  }

  /** Called on the leader's rounds: starts the next move when one is due and none is under way. */
  void tick() {
    if (marginPercent <= 0 || running.get() || System.nanoTime() - pausedUntilNanos < 0) {
      return;
    }
    List<VolumeRecord> volumes = node.metadata().volumes();
    if (volumes.stream().anyMatch(v -> v.getMovingCount() > 0)) {
      return;
    }
    // A node over a relocation threshold is shedding copies, and one near an I/O threshold may soon:
    // it neither gives nor takes here.
    List<NodeDescriptor> nodes = RelocationThresholds.calm(
        RelocationThresholds.targets(node.volumes().descriptors(), node.metadata().nodes(), 0), node.metadata().nodes());
    if (!evening && spreadPercent(nodes, volumes) <= marginPercent) {
      return;
    }
    RebalancePlan.Result plan = RebalancePlan.compute(nodes, volumes, node.placement());
    if (plan.moves().isEmpty()) {
      if (evening) {
        log.info("automatic rebalance: the nodes in service are as evenly filled as the placement rules allow");
      }
      evening = false;
      return;
    }
    evening = true;
    RebalancePlan.Move m = plan.moves().get(0);
    if (running.compareAndSet(false, true)) {
      runner.execute(() -> {
        try {
          log.info("automatic rebalance: moving entry {} of {} from {} to {} ({} bytes)", m.entry(), m.volume(),
              m.from(), m.to(), m.bytes());
          new CopyMove(node, m.volume(), m.entry(), m.from(), m.to()).run(MOVE);
        } catch (RuntimeException e) {
          log.warn("automatic rebalance: moving entry {} of {} from {} to {} failed: {}", m.entry(), m.volume(),
              m.from(), m.to(), e.getMessage());
          pausedUntilNanos = System.nanoTime() + AFTER_FAILURE.toNanos();
        } finally {
          running.set(false);
        }
      });
    }
  }

  /** Percentage points between the fullest and the emptiest node in service (by placed bytes over capacity). */
  static double spreadPercent(List<NodeDescriptor> nodes, List<VolumeRecord> volumes) {
    Map<String, Long> placed = RebalancePlan.placedBytes(volumes);
    double max = 0;
    double min = Double.MAX_VALUE;
    for (NodeDescriptor n : nodes) {
      if (n.state() == NodeState.UP && n.capacityBytes() > 0) {
        double fill = 100.0 * placed.getOrDefault(n.id(), 0L) / n.capacityBytes();
        max = Math.max(max, fill);
        min = Math.min(min, fill);
      }
    }
    return min == Double.MAX_VALUE ? 0 : max - min;
  }

  void close() {
    runner.shutdownNow();
  }
}
