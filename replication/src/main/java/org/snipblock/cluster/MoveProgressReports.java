package org.snipblock.cluster;

import java.util.ArrayList;
import java.util.List;
import org.snipblock.cluster.proto.CopyMoving;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.MoveProgress;
import org.snipblock.cluster.proto.ReportMoveProgress;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.replica.ReplicatedBlockDevice;
import org.snipblock.cluster.replica.ResyncProgress;
import org.snipblock.store.VolumeAdminException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node, as the primary of volumes with copy moves under way, puts on record how far its
 * resync of each move's target has got, so every node can show it ({@link RunningMoves}). Only the
 * primary measures it; the record is where the others read it. At most one report per
 * {@link #EVERY_MILLIS}, and none while nothing changed (an idle cluster commits nothing).
 */
final class MoveProgressReports {
  private static final Logger log = LoggerFactory.getLogger(MoveProgressReports.class);
  static final long EVERY_MILLIS = 2000;

  private final ClusterNode node;
  private List<MoveProgress> reported = List.of();
  private long reportedAtMillis;

  MoveProgressReports(ClusterNode node) {
    this.node = node;
  }

  /** Called on the node's timer. */
  void tick() {
    long now = System.currentTimeMillis();
    // Outside a majority a commit would hold the node's timer until it times out.
    if (now - reportedAtMillis < EVERY_MILLIS || !node.inMajority()) {
      return;
    }
    List<MoveProgress> measured = measure(now);
    if (unchanged(measured) || node.metadata().node(node.nodeId()).isEmpty()) {
      return;
    }
    try {
      node.commit(MetaCommand.newBuilder().setReportMoveProgress(ReportMoveProgress.newBuilder()
          .setId(node.nodeId()).addAllMoves(measured)).build());
      reported = measured;
      reportedAtMillis = now;
    } catch (VolumeAdminException e) {
      log.debug("move progress not committed: {}", e.getMessage());
    }
  }

  /**
   * The progress of the resync of each move target of the volumes this node serves as primary: of
   * its live layer (the phase that copies the stripe; aligning the target's snapshots comes first
   * and shows as not started).
   */
  private List<MoveProgress> measure(long now) {
    List<MoveProgress> out = new ArrayList<>();
    for (VolumeRecord v : node.metadata().volumes()) {
      if (v.getMovingCount() == 0 || !v.getPrimary().equals(node.nodeId())) {
        continue;
      }
      List<ResyncProgress> resyncs = node.primaryDevice(v.getName()).filter(ReplicatedBlockDevice::primary)
          .map(ReplicatedBlockDevice::resyncProgress).orElse(List.of());
      for (CopyMoving c : v.getMovingList()) {
        resyncs.stream().filter(r -> r.node().equals(c.getTo()) && "resync".equals(r.purpose())).findFirst()
            .ifPresent(r -> out.add(MoveProgress.newBuilder().setVolume(v.getName()).setSnippet(c.getSnippet())
                .setTo(c.getTo()).setSnippetsDone(r.snippetsDone()).setSnippetsTotal(r.snippetsTotal())
                .setBytesCopied(r.bytesCopied()).setMeasuredAtMillis(now).build()));
      }
    }
    return out;
  }

  private boolean unchanged(List<MoveProgress> measured) {
    if (measured.size() != reported.size()) {
      return false;
    }
    for (int i = 0; i < measured.size(); i++) {
      if (!measured.get(i).toBuilder().clearMeasuredAtMillis().build()
          .equals(reported.get(i).toBuilder().clearMeasuredAtMillis().build())) {
        return false;
      }
    }
    return true;
  }
}
