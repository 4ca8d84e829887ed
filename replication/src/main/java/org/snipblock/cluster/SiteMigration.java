package org.snipblock.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import org.snipblock.cluster.meta.StaleCopies;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.replica.ReplicationMode;
import org.snipblock.cluster.topology.ConsumerPlace;
import org.snipblock.cluster.topology.Location;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code volume migrate NAME --to-site SITE} for a volume that already has a copy of every snippet
 * in the target site: the volume is recorded as consumed there, catches up (ballooning throttles
 * writes that outrun the link), switches to sync, and its primary moves to that copy by a planned
 * handover. Ask the volume's primary. Each step is reported as it is done.
 */
public final class SiteMigration {
  private static final Logger log = LoggerFactory.getLogger(SiteMigration.class);
  private static final long POLL_MILLIS = 200;

  /** What the migration did, step by step, and the handover that ended it. */
  public record Result(List<String> steps, PrimaryHandover.Result handover) {}

  private final ClusterNode node;

  public SiteMigration(ClusterNode node) {
    this.node = node;
  }

  /** Refuses (nothing changed) an unknown volume or site, a volume already there, or one without a full copy there. */
  public Result migrate(String volume, String site, Duration catchUpBound) {
    VolumeRecord v = node.metadata().volume(volume).orElseThrow(() ->
        new VolumeAdminException(Reason.NOT_FOUND, "no volume named " + volume));
    String target = target(v, site);
    if (!node.nodeId().equals(v.getPrimary())) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "node " + node.nodeId() + " is not the primary of "
          + volume + "; ask its primary " + v.getPrimary());
    }
    List<String> steps = new ArrayList<>();
    SiteFollowing following = node.following();
    if (v.getConsumer().isEmpty() || !ConsumerPlace.parse(v.getConsumer()).site().equals(site)) {
      following.setConsumer(volume, site);
      step(steps, volume, "consumer recorded: " + site);
    }
    if (ReplicationMode.parse(v.getMode()) == ReplicationMode.ASYNC) {
      following.catchUp(volume, true);
      step(steps, volume, "catching up (writes throttled while the lag does not shrink)");
      awaitCaughtUp(volume, catchUpBound);
      step(steps, volume, "caught up; throttle released");
      node.volumes().setMode(volume, ReplicationMode.SYNC);
      step(steps, volume, "switched to sync");
    } else {
      step(steps, volume, "already sync: every copy in sync");
    }
    PrimaryHandover.Result moved = new PrimaryHandover(node).move(volume, target);
    step(steps, volume, String.format(Locale.ROOT, "primary %s -> %s at epoch %d, writes paused %.1f ms",
        moved.from(), moved.to(), moved.epoch(), moved.pause().toNanos() / 1e6));
    return new Result(List.copyOf(steps), moved);
  }

  /** The reachable, in-sync holder of every snippet in the site, nearest first by name. */
  private String target(VolumeRecord v, String site) {
    List<NodeRecord> nodes = node.metadata().nodes();
    TreeSet<String> sites = new TreeSet<>();
    nodes.forEach(n -> sites.add(Location.parse(n.getLocation()).site()));
    if (!sites.contains(site)) {
      throw new VolumeAdminException(Reason.INVALID_ARGUMENT, "unknown site " + site + " (the cluster's nodes are in "
          + String.join(", ", sites) + ")");
    }
    String primarySite = node.metadata().node(v.getPrimary()).map(n -> Location.parse(n.getLocation()).site())
        .orElse("");
    if (primarySite.equals(site)) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "the primary " + v.getPrimary() + " of "
          + v.getName() + " already is in site " + site);
    }
    return nodes.stream()
        .filter(n -> Location.parse(n.getLocation()).site().equals(site))
        .filter(n -> v.getSnippetsList().stream().allMatch(s -> s.getNodesList().contains(n.getId())))
        .filter(n -> !StaleCopies.anywhere(v, n.getId()) && node.view().contains(n.getMember()))
        .map(NodeRecord::getId).min(Comparator.naturalOrder())
        .orElseThrow(() -> new VolumeAdminException(Reason.FAILED_PRECONDITION, "volume " + v.getName()
            + " has no reachable in-sync copy of every stripe in site " + site + "; place copies there first"));
  }

  /** The primary ends the catch-up once the lag converged; waits for that, at most {@code bound}. */
  private void awaitCaughtUp(String volume, Duration bound) {
    long deadline = System.nanoTime() + bound.toNanos();
    while (node.metadata().volume(volume).map(VolumeRecord::getCatchingUp).orElse(false)) {
      if (System.nanoTime() > deadline) {
        node.following().catchUp(volume, false);
        throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "volume " + volume + " did not catch up within "
            + bound.toSeconds() + " s (the throttle is released, the primary stays); try again when it writes less");
      }
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "interrupted while " + volume + " caught up");
      }
    }
  }

  private static void step(List<String> steps, String volume, String what) {
    log.info("volume {} migration: {}", volume, what);
    steps.add(what);
  }
}
