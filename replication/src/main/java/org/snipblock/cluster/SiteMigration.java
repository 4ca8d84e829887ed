package org.snipblock.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeSet;
import org.snipblock.cluster.meta.StaleCopies;
import org.snipblock.cluster.follow.CopyBallooning;
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
 * {@code volume migrate NAME --to-site SITE}: a volume without an in-sync copy of every stripe in
 * the site first gets copies there ({@link SiteCopies}, ballooning throttling writes so that what
 * remains to send to them shrinks); then it is recorded as consumed there, catches up (ballooning
 * throttles writes that outrun the link), switches to sync, and its primary
 * moves to the site's full copy by a planned handover; the old primary's copies are dropped last.
 * A failure before the handover removes the copies it added. Ask the volume's primary. Each step
 * is logged and reported as it is done.
 */
public final class SiteMigration {
  private static final Logger log = LoggerFactory.getLogger(SiteMigration.class);

  /** What the migration did, step by step, and the handover that ended it. */
  public record Result(List<String> steps, PrimaryHandover.Result handover) {}

  /** How long copying into the site may take, per copy moved. */
  private static final Duration COPY_BOUND = Duration.ofMinutes(10);

  private final ClusterNode node;

  public SiteMigration(ClusterNode node) {
    this.node = node;
  }

  /**
   * Refuses (nothing changed) an unknown volume or site, a volume already there, a node that is not
   * the primary, a site with no live node or none that can take the copies.
   */
  public Result migrate(String volume, String site, Duration catchUpBound) {
    VolumeRecord v = check(volume, site);
    List<String> steps = new ArrayList<>();
    Optional<String> holder = holderIn(v, site);
    // A migration interrupted after it began moving the primary's copies goes on with them.
    boolean resumed = v.getMovingList().stream().anyMatch(c -> c.getFrom().equals(v.getPrimary()));
    SiteCopies copies = holder.isPresent() && !resumed ? null : new SiteCopies(node, volume, site);
    String target = copies == null ? holder.get() : copies.begin(v);
    SiteFollowing following = node.following();
    // From the first copy begun: the guest's stream to the new copies shares their link with the resync.
    CopyBallooning ballooning = copies == null ? null : following.balloonCopies(volume, copies::receivers);
    try {
      if (copies != null) {
        step(steps, volume, "adding copies in site " + site + ": the primary's on " + target + ", chosen by placement");
        copies.copy(COPY_BOUND).forEach(s -> step(steps, volume, s));
        step(steps, volume, ballooning.outcome());
      }
      if (v.getConsumer().isEmpty() || !ConsumerPlace.parse(v.getConsumer()).site().equals(site)) {
        following.setConsumer(volume, site);
        step(steps, volume, "consumer recorded: " + site);
      }
      if (ReplicationMode.parse(node.metadata().volume(volume).orElse(v).getMode()) == ReplicationMode.ASYNC) {
        following.catchUp(volume, true);
        // The catch-up owns the throttle from here, starting at the rate the copying left it.
        close(ballooning);
        step(steps, volume, "catching up (writes throttled while the lag does not shrink)");
        awaitCaughtUp(volume, catchUpBound);
        step(steps, volume, "caught up; throttle released");
        node.volumes().setMode(volume, ReplicationMode.SYNC);
        step(steps, volume, "switched to sync");
      } else {
        step(steps, volume, "already sync: every copy in sync");
      }
    } catch (RuntimeException e) {
      if (copies != null) {
        copies.abort();
        log.info("volume {} migration failed, copies added in site {} removed: {}", volume, site, e.getMessage());
      }
      throw e;
    } finally {
      close(ballooning);
    }
    PrimaryHandover.Result moved = new PrimaryHandover(node).move(volume, target);
    step(steps, volume, String.format(Locale.ROOT, "primary %s -> %s at epoch %d, writes paused %.1f ms",
        moved.from(), moved.to(), moved.epoch(), moved.pause().toNanos() / 1e6));
    if (copies != null) {
      copies.finish(COPY_BOUND).forEach(s -> step(steps, volume, s));
    }
    return new Result(List.copyOf(steps), moved);
  }

  /** The volume, unless {@link #migrate} would refuse it: see there. */
  VolumeRecord check(String volume, String site) {
    VolumeRecord v = node.metadata().volume(volume).orElseThrow(() ->
        new VolumeAdminException(Reason.NOT_FOUND, "no volume named " + volume));
    checkSite(v, site);
    if (!node.nodeId().equals(v.getPrimary())) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "node " + node.nodeId() + " is not the primary of "
          + volume + "; ask its primary " + v.getPrimary());
    }
    return v;
  }

  /**
   * Refuses an unknown site, one the primary already is in, and a volume kept in named sites (its
   * copies move between sites by volume set --sites, which keeps one in each).
   */
  private void checkSite(VolumeRecord v, String site) {
    if (v.getSitesCount() > 0) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "volume " + v.getName() + " is kept in sites "
          + String.join(",", v.getSitesList()) + ": move its copies with volume set " + v.getName() + " --sites "
          + "and volume move-primary, or lift the constraint with --sites any first");
    }
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
  }

  /** The reachable, in-sync holder of every stripe in the site, first by name; empty if none. */
  private Optional<String> holderIn(VolumeRecord v, String site) {
    return node.metadata().nodes().stream()
        .filter(n -> Location.parse(n.getLocation()).site().equals(site))
        .filter(n -> v.getSnippetsList().stream().allMatch(s -> s.getNodesList().contains(n.getId())))
        .filter(n -> !StaleCopies.anywhere(v, n.getId()) && node.view().contains(n.getMember()))
        .map(NodeRecord::getId).min(Comparator.naturalOrder());
  }

  /** The primary ends the catch-up once the lag converged; waits for that on the metadata, at most {@code bound}. */
  private void awaitCaughtUp(String volume, Duration bound) {
    try {
      VolumeWait.until(node.metadata(), volume, r -> !r.getCatchingUp(), bound, "the catch-up");
    } catch (VolumeAdminException e) {
      if (e.reason() != Reason.FAILED_PRECONDITION) {
        throw e;
      }
      node.following().catchUp(volume, false);
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "volume " + volume + " did not catch up within "
          + bound.toSeconds() + " s (the throttle is released, the primary stays); try again when it writes less");
    }
  }

  private static void close(CopyBallooning ballooning) {
    if (ballooning != null) {
      ballooning.close();
    }
  }

  private static void step(List<String> steps, String volume, String what) {
    log.info("volume {} migration: {}", volume, what);
    steps.add(what);
  }
}
