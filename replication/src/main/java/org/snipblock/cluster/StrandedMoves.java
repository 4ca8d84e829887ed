package org.snipblock.cluster;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.ToLongFunction;
import org.snipblock.cluster.proto.CopyMoving;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.MoveCopy;
import org.snipblock.cluster.proto.SnippetPlacement;
import org.snipblock.cluster.proto.VolumeRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metadata leader's care of copy moves that lost their driver or their target. A move is
 * driven by one node (the draining node, the node over its threshold, the node asked to
 * rebalance); if that node dies mid-move nothing else ends it, and it would show as moving in
 * {@code cluster status} forever while it keeps other moves of its volume (and redundancy
 * changes) waiting:
 * <ul>
 *   <li>a move whose target has been in sync for longer than {@link #GRACE} is finished, as its
 *       driver would have (a driver still alive finishing it too changes nothing): the stripe never
 *       has fewer in-sync copies than before; not while its source is the primary (a handover
 *       comes first, and its driver is the primary itself);
 *   <li>a move whose target has been out of the view for the failover delay goes on to another
 *       node of the target's site that placement accepts for the stripe ({@link MoveRetarget}, one
 *       step; a driver still alive follows it); while none is accepted it stays as it is, so a
 *       target that comes back resumes it (the primary resyncs what it missed). The source keeps
 *       its copy either way. A move off the primary (a handover's preparation, whose driver chose
 *       its target for the handover) is aborted instead, as before.
 * </ul>
 * A move whose source or target was re-replicated away ends in the metadata itself.
 */
final class StrandedMoves {
  private static final Logger log = LoggerFactory.getLogger(StrandedMoves.class);
  /** A live driver finishes a move the moment it sees the target in sync; this is far longer. */
  static final Duration GRACE = Duration.ofSeconds(10);

  private final ClusterNode node;
  private final Duration failoverDelay;
  private final Map<String, Long> inSyncSince = new HashMap<>();
  private final MoveRetarget retarget;

  StrandedMoves(ClusterNode node, Duration failoverDelay) {
    this.node = node;
    this.failoverDelay = failoverDelay;
    this.retarget = new MoveRetarget(node);
  }

  /**
   * One round on the leader.
   *
   * @param absentFor nanoseconds a node has been out of the view, negative while it is in it
   */
  void tick(long now, ToLongFunction<String> absentFor) {
    Set<String> seen = new HashSet<>();
    for (VolumeRecord v : node.metadata().volumes()) {
      for (CopyMoving c : v.getMovingList()) {
        String key = MoveRetarget.key(v, c);
        seen.add(key);
        SnippetPlacement s = v.getSnippets((int) c.getSnippet());
        if (absentFor.applyAsLong(c.getTo()) >= failoverDelay.toNanos()) {
          if (c.getFrom().equals(v.getPrimary())) {
            end(v, c, MoveCopy.Step.ABORT, "its target " + c.getTo() + " is gone");
          } else {
            retarget.elsewhere(v, c);
          }
        } else if (s.getStaleList().contains(c.getTo()) || c.getFrom().equals(v.getPrimary())) {
          inSyncSince.remove(key);
        } else if (now - inSyncSince.computeIfAbsent(key, k -> now) >= GRACE.toNanos()) {
          end(v, c, MoveCopy.Step.FINISH, "its target " + c.getTo() + " is in sync and no one finished it");
        }
      }
    }
    inSyncSince.keySet().retainAll(seen);
    retarget.forgetAllBut(seen);
  }

  private void end(VolumeRecord v, CopyMoving c, MoveCopy.Step step, String why) {
    log.info("volume {} stripe {}: the move of a copy from {} to {} lost its driver; {} it: {}", v.getName(),
        c.getSnippet(), c.getFrom(), c.getTo(), step == MoveCopy.Step.ABORT ? "cancelling" : "finishing", why);
    node.commit(MetaCommand.newBuilder().setMoveCopy(MoveCopy.newBuilder().setName(v.getName())
        .setSnippet(c.getSnippet()).setFrom(c.getFrom()).setTo(c.getTo()).setStep(step)
        .setStartedMillis(c.getStartedMillis())).build());
  }
}
