package org.snipblock.cluster;

import java.util.function.BooleanSupplier;
import org.snipblock.cluster.membership.ClusterMembership;
import org.snipblock.cluster.replica.ReplicatedBlockDevice;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's periodic care, twice a second: the leader's duties after failures (the caretaker's, on
 * the metadata leader while it sits with a majority), the upkeep of the primaries served here, and
 * of the snapshots.
 */
final class CareRound implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(CareRound.class);

  private final Caretaker caretaker;
  private final ClusterMembership membership;
  private final BooleanSupplier inMajority;
  private final Reconciler reconciler;
  private final ClusterSnapshots snapshots;

  CareRound(Caretaker caretaker, ClusterMembership membership, BooleanSupplier inMajority, Reconciler reconciler,
      ClusterSnapshots snapshots) {
    this.caretaker = caretaker;
    this.membership = membership;
    this.inMajority = inMajority;
    this.reconciler = reconciler;
    this.snapshots = snapshots;
  }

  @Override
  public void run() {
    try {
      caretaker.tick(membership.isLeader() && inMajority.getAsBoolean(), membership.view());
      for (ReplicatedBlockDevice d : reconciler.primaries()) {
        d.maintain();
      }
      snapshots.care();
    } catch (RuntimeException | LinkageError e) {
      // Keep the periodic task alive: an exception would cancel all later rounds.
      log.error("cluster care round failed: {}", e.toString(), e);
    }
  }
}
