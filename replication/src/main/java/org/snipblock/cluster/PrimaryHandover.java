package org.snipblock.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.snipblock.block.BlockDevice;
import org.snipblock.cluster.follow.ConsumerChoice;
import org.snipblock.cluster.meta.StaleCopies;
import org.snipblock.cluster.proto.ChangePrimary;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.replica.HandoverTimeline;
import org.snipblock.cluster.replica.ReplicatedBlockDevice;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code volume move-primary}: the volume's primary (ask it) hands the one-writer role to another
 * holder whose copy is in sync, at the next epoch (see {@code PlannedHandover} for how no write is
 * lost or refused). The pause is measured from holding new writes to the first request the new
 * primary answered through a door.
 */
public final class PrimaryHandover {
  private static final Logger log = LoggerFactory.getLogger(PrimaryHandover.class);
  // How long running writes, and the holders applying what was sent to them, may take before the handover gives up.
  private static final Duration CATCH_UP = Duration.ofSeconds(10);
  private static final Duration ANSWER = Duration.ofSeconds(30);

  /** What the handover did. */
  public record Result(String volume, String from, String to, long epoch, Duration pause, List<String> resyncing,
      HandoverTimeline timeline) {}

  private final ClusterNode node;

  public PrimaryHandover(ClusterNode node) {
    this.node = node;
  }

  /**
   * Hands {@code volume} to its reachable in-sync copy nearest the consumer the volume records
   * ({@link ConsumerChoice#handoverTarget}); refuses as {@link #move(String, String)} does.
   */
  public Result moveTowardConsumer(String volume) {
    VolumeRecord v = node.metadata().volume(volume).orElseThrow(() ->
        new VolumeAdminException(Reason.NOT_FOUND, "no volume named " + volume));
    return move(volume, ConsumerChoice.handoverTarget(v, node.metadata().nodes(), node.view()));
  }

  /** Hands {@code volume} to {@code target}; refuses (nothing changed) with a {@link VolumeAdminException}. */
  public Result move(String volume, String target) {
    VolumeRecord v = node.metadata().volume(volume).orElseThrow(() ->
        new VolumeAdminException(Reason.NOT_FOUND, "no volume named " + volume));
    NodeRecord to = node.metadata().node(target).orElseThrow(() ->
        new VolumeAdminException(Reason.NOT_FOUND, "no node named " + target + " in the cluster"));
    refuseUnfit(v, to);
    ReplicatedBlockDevice device = node.primaryDevice(volume).filter(ReplicatedBlockDevice::primary)
        .orElseThrow(() -> new VolumeAdminException(Reason.FAILED_PRECONDITION, "node " + node.nodeId()
            + " is not the primary of " + volume + "; ask its primary " + v.getPrimary()));
    long start = System.nanoTime();
    HandoverTimeline timeline = new HandoverTimeline();
    List<String> resyncing = new ArrayList<>();
    long epoch;
    try {
      epoch = device.handOver(target, CATCH_UP, behind -> {
        resyncing.addAll(behind);
        return CompletableFuture.supplyAsync(() -> {
          long next = node.commit(MetaCommand.newBuilder()
              .setChangePrimary(ChangePrimary.newBuilder().setName(volume).setExpectedEpoch(v.getEpoch())
                  .setNewPrimary(target).addAllStale(behind).setPlanned(true)).build()).getEpoch();
          tellFollowers(volume);
          return next;
        });
      }, timeline).get(ANSWER.toMillis(), TimeUnit.MILLISECONDS);
      answeredByNewPrimary(volume);
      timeline.mark("answered");
    } catch (Exception e) {
      Throwable cause = e instanceof java.util.concurrent.ExecutionException || e instanceof CompletionException
          ? e.getCause() : e;
      if (cause instanceof VolumeAdminException a) {
        throw a;
      }
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "volume " + volume + ": handover to " + target
          + " failed: " + cause.getMessage(), cause);
    }
    Duration pause = Duration.ofNanos(System.nanoTime() - start);
    log.info("volume {}: primary handed from {} to {} at epoch {}, writes paused {} ms ({})", volume, v.getPrimary(),
        target, epoch, pause.toMillis(), timeline);
    return new Result(volume, v.getPrimary(), target, epoch, pause, List.copyOf(resyncing), timeline);
  }

  /**
   * Followers learn of a commit with the log leader's next append, or its resend up to 200 ms
   * later: one more (empty) entry carries the commit to every node at once, the new primary and
   * the doors' nodes included, instead of leaving them on the resend.
   */
  private void tellFollowers(String volume) {
    node.catchUp(CATCH_UP).whenComplete((x, e) -> {
      if (e != null) {
        log.debug("volume {}: the log entry after the handover's commit did not commit: {}", volume, e.toString());
      }
    });
  }

  private void refuseUnfit(VolumeRecord v, NodeRecord to) {
    String target = to.getId();
    if (target.equals(v.getPrimary())) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "node " + target + " already is the primary of "
          + v.getName());
    }
    List<Integer> missing = IntStream.range(0, v.getSnippetsCount())
        .filter(i -> !v.getSnippets(i).getNodesList().contains(target)).boxed().toList();
    if (missing.size() == v.getSnippetsCount()) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "node " + target + " holds no copy of "
          + v.getName());
    }
    if (!missing.isEmpty()) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "node " + target + " holds no copy of stripes "
          + missing + " of " + v.getName() + "; a primary must hold every stripe");
    }
    if (StaleCopies.anywhere(v, target)) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "node " + target + " holds a stale copy of "
          + v.getName() + " (it is being resynced): wait until it is in sync");
    }
    if (!node.view().contains(to.getMember())) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "node " + target + " is not reachable");
    }
  }

  /** Waits until the new primary answers a flush through this node's door: then the pause is over. */
  private void answeredByNewPrimary(String volume) throws Exception {
    try (BlockDevice door = node.doors().open(volume).orElseThrow(() ->
        new VolumeAdminException(Reason.NOT_FOUND, "volume " + volume + " no longer exists"))) {
      door.flush().get(ANSWER.toMillis(), TimeUnit.MILLISECONDS);
    }
  }
}
