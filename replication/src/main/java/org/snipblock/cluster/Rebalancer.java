package org.snipblock.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.snipblock.block.DaemonThreads;
import org.snipblock.cluster.proto.SnippetPlacement;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code cluster rebalance} on the asked node: plans the moves toward an even fill
 * ({@link RebalancePlan}) and makes them one at a time with {@link CopyMove} (copy, sync, relabel,
 * switch), so a copy is never below its policy and the resync rate caps what one move sends. Each
 * move is checked against the record again just before it starts; one that no longer fits is
 * skipped, one that fails is undone and reported, and the next goes on.
 */
public final class Rebalancer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Rebalancer.class);
  private static final Duration MOVE = Duration.ofMinutes(10);
  private static final Duration OTHER_MOVE = Duration.ofMinutes(2);

  public enum State { PLANNED, RUNNING, DONE }

  /** A planned move and what became of it: PLANNED, MOVING, DONE, SKIPPED or FAILED (with why). */
  public record Step(RebalancePlan.Move move, String state, String why) {}

  /** The plan, how far it has come, and each node's fill now and once the plan is done. */
  public record Progress(State state, List<Step> steps, List<RebalancePlan.Fill> nodes) {
    public long count(String stepState) {
      return steps.stream().filter(s -> s.state().equals(stepState)).count();
    }
  }

  private final ClusterNode node;
  private final ExecutorService runner;
  private volatile Progress progress;

  public Rebalancer(ClusterNode node) {
    this.node = node;
    this.runner = Executors.newSingleThreadExecutor(DaemonThreads.named("rebalance-" + node.nodeId()));
  }

  /** Plans, and unless {@code dryRun} starts the moves in the background; answers with the plan. */
  public synchronized Progress start(boolean dryRun) {
    if (progress != null && progress.state() == State.RUNNING) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "a rebalance is already running on "
          + node.nodeId() + " (" + progress.count("DONE") + " of " + progress.steps().size()
          + " moves done); follow it with cluster rebalance --status");
    }
    if (!node.inMajority()) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "node " + node.nodeId() + " is not in a majority "
          + "of the metadata voters: nothing can move; ask a node in the majority");
    }
    RebalancePlan.Result plan = RebalancePlan.compute(node.volumes().descriptors(), node.metadata().volumes(),
        node.placement());
    List<Step> steps = plan.moves().stream().map(m -> new Step(m, "PLANNED", "")).toList();
    Progress planned = new Progress(dryRun || steps.isEmpty() ? State.PLANNED : State.RUNNING, steps, plan.nodes());
    if (!dryRun && !steps.isEmpty()) {
      progress = planned;
      runner.execute(this::run);
    }
    return planned;
  }

  /** The last rebalance started on this node; empty if none was. */
  public Optional<Progress> progress() {
    return Optional.ofNullable(progress);
  }

  private void run() {
    Progress p = progress;
    for (int i = 0; i < p.steps().size(); i++) {
      RebalancePlan.Move m = p.steps().get(i).move();
      String unfit = awaitNoOtherMove(m.volume());
      unfit = unfit != null ? unfit : unfit(m);
      if (unfit != null) {
        update(i, "SKIPPED", unfit);
        continue;
      }
      update(i, "MOVING", "");
      try {
        new CopyMove(node, m.volume(), m.entry(), m.from(), m.to()).run(MOVE);
        update(i, "DONE", "");
      } catch (RuntimeException e) {
        log.warn("rebalance: moving entry {} of {} from {} to {} failed: {}", m.entry(), m.volume(), m.from(), m.to(),
            e.getMessage());
        update(i, "FAILED", String.valueOf(e.getMessage()));
      }
    }
    synchronized (this) {
      progress = new Progress(State.DONE, progress.steps(), progress.nodes());
    }
    log.info("rebalance on {} ended: {} moved, {} skipped, {} failed", node.nodeId(), progress.count("DONE"),
        progress.count("SKIPPED"), progress.count("FAILED"));
  }

  /**
   * Waits, bounded, while another move of the volume is under way (a drain's, or the record of this
   * node's last move not applied here yet); why not, or null.
   */
  private String awaitNoOtherMove(String volume) {
    try {
      VolumeWait.until(node.metadata(), volume, v -> v.getMovingCount() == 0, OTHER_MOVE, "the end of another move");
      return null;
    } catch (RuntimeException e) {
      return e.getMessage();
    }
  }

  /** Why the move no longer fits the record (moved meanwhile, primary changed, another move), or null. */
  private String unfit(RebalancePlan.Move m) {
    Optional<VolumeRecord> v = node.metadata().volume(m.volume());
    if (v.isEmpty() || m.entry() >= v.get().getSnippetsCount()) {
      return "the volume or its entry is gone";
    }
    SnippetPlacement s = v.get().getSnippets(m.entry());
    if (!s.getNodesList().contains(m.from()) || s.getNodesList().contains(m.to())) {
      return "the copies moved meanwhile";
    }
    if (v.get().getPrimary().equals(m.from())) {
      return m.from() + " became the primary";
    }
    return v.get().getMovingCount() > 0 ? "another move of the volume is under way" : null;
  }

  private synchronized void update(int index, String state, String why) {
    List<Step> steps = new ArrayList<>(progress.steps());
    steps.set(index, new Step(steps.get(index).move(), state, why));
    progress = new Progress(progress.state(), List.copyOf(steps), progress.nodes());
  }

  @Override
  public void close() {
    runner.shutdownNow();
  }
}
