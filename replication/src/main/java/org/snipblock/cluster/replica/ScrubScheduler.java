package org.snipblock.cluster.replica;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.snipblock.store.qos.BackgroundBudget;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the periodic scrub and the operator's verify and scrub requests, one repairing pass at a
 * time: two passes repairing the same chunks would only send the same copies twice.
 */
final class ScrubScheduler {
  private static final Logger log = LoggerFactory.getLogger(ScrubScheduler.class);

  private final VolumeView view;
  private final Fencing fencing;
  private final CopyDigests digests;
  private final SnapshotCheck snapshots;
  private final ReplicaRegistry registry;
  private final ReadRepair repairs;
  private final Duration interval;
  private final long bytesPerSecond;
  private final BackgroundBudget background;
  private Scrub last;
  private CompletableFuture<VerifyReport> repairing;
  private long lastRepairStartNanos = System.nanoTime();

  ScrubScheduler(VolumeView view, Fencing fencing, CopyDigests digests, SnapshotCheck snapshots,
      ReplicaRegistry registry, ReadRepair repairs, Duration interval, long bytesPerSecond,
      BackgroundBudget background) {
    this.view = view;
    this.snapshots = snapshots;
    this.registry = registry;
    this.fencing = fencing;
    this.digests = digests;
    this.repairs = repairs;
    this.interval = interval;
    this.bytesPerSecond = bytesPerSecond;
    this.background = background;
  }

  /** Starts a scrub if one is due and none is running. */
  synchronized void startDue() {
    if (!interval.isZero() && (repairing == null || repairing.isDone())
        && System.nanoTime() - lastRepairStartNanos >= interval.toNanos()) {
      run(true).whenComplete((r, e) -> {
        if (e != null) {
          log.warn("volume {}: scrub stopped: {}", view.name(), e.toString());
        } else if (!r.clean()) {
          log.warn("volume {}: scrub found and repaired damage: {}", view.name(), r);
        }
      });
    }
  }

  /** Starts a pass (a repairing one joins the repairing pass under way); fails with NOT_PRIMARY unless primary. */
  synchronized CompletableFuture<VerifyReport> run(boolean repair) {
    if (!fencing.primary()) {
      return Fencing.notPrimary();
    }
    if (repair && repairing != null && !repairing.isDone() && last.repairs()) {
      return repairing;
    }
    if (repair) {
      lastRepairStartNanos = System.nanoTime();
    }
    Scrub scrub = new Scrub(view, fencing, digests, snapshots, registry, repairs, repair,
        new BackgroundPace(bytesPerSecond, background));
    last = scrub;
    CompletableFuture<VerifyReport> run = scrub.run();
    if (repair) {
      repairing = run;
    }
    return run;
  }

  /** The last pass's progress per copy (none before the first). */
  synchronized List<ResyncProgress> progress() {
    return last == null ? List.of() : last.progress();
  }
}
