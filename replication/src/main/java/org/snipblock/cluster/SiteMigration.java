package org.snipblock.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
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
 * is logged and reported as it is done. A primary lost mid-way leaves the migration to the new
 * primary, which carries it on ({@link #takeOver}).
 */
public final class SiteMigration {
  private static final Logger log = LoggerFactory.getLogger(SiteMigration.class);

  /**
   * What the migration did, step by step, and the handover that ended it (null for a migration taken
   * over on a primary that a failover had put in the site already: no handover was needed).
   */
  public record Result(List<String> steps, PrimaryHandover.Result handover) {}

  /** How long the catch-up may take when the asker names no bound (the CLI's default), and in a migration taken over. */
  public static final Duration CATCH_UP_BOUND = Duration.ofMinutes(10);

  /** How long copying into the site may take, per copy moved. */
  private static final Duration COPY_BOUND = Duration.ofMinutes(10);

  private final ClusterNode node;
  private final BooleanSupplier owned;

  /**
   * @param owned whether the volume's migration mark still is this migration's: false once a new
   *              primary took the migration over (this node lost the primary mid-way, see
   *              {@link MigrationTakeovers}); this one then stops and leaves its copies to it
   */
  public SiteMigration(ClusterNode node, BooleanSupplier owned) {
    this.node = node;
    this.owned = owned;
  }

  /**
   * Refuses (nothing changed) an unknown volume or site, a volume already there, a node that is not
   * the primary, a site with no live node or none that can take the copies.
   */
  public Result migrate(String volume, String site, Duration catchUpBound) {
    return run(check(volume, site), site, "", catchUpBound, new ArrayList<>());
  }

  /**
   * Carries on, on this node, the volume's new primary, the migration into {@code site} that
   * {@code previous} (its primary before a failover) began and can no longer end: the copies it
   * began to the site go on from where they are (the new primary resyncs them), and the steps
   * after them as {@link #migrate}'s. A failover that put the primary in the site already leaves no
   * handover to make. Refuses as {@link #migrate} does, but for a primary already in the site.
   */
  Result takeOver(String volume, String site, String previous, Duration catchUpBound) {
    VolumeRecord v = primaryHere(volume);
    checkSite(v, site, true);
    List<String> steps = new ArrayList<>();
    step(steps, volume, "taken over from " + previous + ", the primary before a failover");
    return run(v, site, previous, catchUpBound, steps);
  }

  private Result run(VolumeRecord v, String site, String previous, Duration catchUpBound, List<String> steps) {
    String volume = v.getName();
    boolean arrived = siteOf(v.getPrimary()).equals(site);
    Optional<String> holder = arrived ? Optional.of(v.getPrimary()) : holderIn(v, site);
    // A migration interrupted after it began moving the primary's copies (or, before a failover,
    // the previous primary's) into the site goes on with them.
    boolean resumed = SiteCopies.resumedTarget(node, v, previous, site).isPresent();
    SiteCopies copies = holder.isPresent() && !resumed ? null : new SiteCopies(node, volume, site, previous);
    SiteFollowing following = node.following();
    // From the first copy begun: the guest's stream to the new copies shares their link with the resync.
    // Before the copies are (re)begun: those a lost primary began are being resynced already.
    CopyBallooning ballooning = copies == null ? null : following.balloonCopies(volume, copies::receivers);
    String target;
    try {
      target = copies == null ? holder.get() : copies.begin(v);
    } catch (RuntimeException e) {
      close(ballooning);
      throw e;
    }
    try {
      if (copies != null) {
        step(steps, volume, "adding copies in site " + site + ": the primary's on " + target
            + (resumed ? ", as begun before" : ", chosen by placement"));
        copies.copy(COPY_BOUND, () -> ensureOwned(volume)).forEach(s -> step(steps, volume, s));
        step(steps, volume, ballooning.outcome());
      }
      ensureOwned(volume);
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
      ensureOwned(volume);
    } catch (RuntimeException e) {
      if (copies != null && owned.getAsBoolean()) {
        copies.abort();
        log.info("volume {} migration failed, copies added in site {} removed: {}", volume, site, e.getMessage());
      } else if (copies != null) {
        log.info("volume {} migration stopped, its copies in site {} left to the node that took it over: {}", volume,
            site, e.getMessage());
      }
      throw e;
    } finally {
      close(ballooning);
    }
    PrimaryHandover.Result moved = null;
    if (arrived) {
      step(steps, volume, "primary already in site " + site + " (" + v.getPrimary() + ")");
    } else {
      moved = new PrimaryHandover(node).move(volume, target);
      step(steps, volume, String.format(Locale.ROOT, "primary %s -> %s at epoch %d, writes paused %.1f ms",
          moved.from(), moved.to(), moved.epoch(), moved.pause().toNanos() / 1e6));
    }
    if (copies != null) {
      copies.finish(COPY_BOUND).forEach(s -> step(steps, volume, s));
    }
    return new Result(List.copyOf(steps), moved);
  }

  /** Stops a migration that a new primary took over (this node lost the primary): the rest is its to do. */
  private void ensureOwned(String volume) {
    if (!owned.getAsBoolean()) {
      String by = node.metadata().volume(volume).filter(VolumeRecord::hasMigration)
          .map(r -> r.getMigration().getNode()).orElse("another node");
      throw new VolumeAdminException(Reason.CONFLICT, "volume " + volume + ": the migration was taken over by " + by
          + " (this node is no longer its primary)");
    }
  }

  /** The volume, unless {@link #migrate} would refuse it: see there. */
  VolumeRecord check(String volume, String site) {
    VolumeRecord v = primaryHere(volume);
    checkSite(v, site, false);
    return v;
  }

  private VolumeRecord primaryHere(String volume) {
    VolumeRecord v = node.metadata().volume(volume).orElseThrow(() ->
        new VolumeAdminException(Reason.NOT_FOUND, "no volume named " + volume));
    if (!node.nodeId().equals(v.getPrimary())) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "node " + node.nodeId() + " is not the primary of "
          + volume + "; ask its primary " + v.getPrimary());
    }
    return v;
  }

  /**
   * Refuses an unknown site, one the primary already is in (unless {@code arrivedOk}: a migration
   * taken over after a failover into the site), and a volume kept in named sites (its copies move
   * between sites by volume set --sites, which keeps one in each).
   */
  private void checkSite(VolumeRecord v, String site, boolean arrivedOk) {
    if (v.getSitesCount() > 0) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "volume " + v.getName() + " is kept in sites "
          + String.join(",", v.getSitesList()) + ": move its copies with volume set " + v.getName() + " --sites "
          + "and volume move-primary, or lift the constraint with --sites any first");
    }
    Set<String> sites = SiteNames.of(node.metadata());
    if (!sites.contains(site)) {
      throw new VolumeAdminException(Reason.INVALID_ARGUMENT, "unknown site " + site + " (the cluster's nodes are in "
          + String.join(", ", sites) + ")");
    }
    if (!arrivedOk && siteOf(v.getPrimary()).equals(site)) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "the primary " + v.getPrimary() + " of "
          + v.getName() + " already is in site " + site);
    }
  }

  private String siteOf(String nodeId) {
    return SiteNames.siteOf(node.metadata(), nodeId).orElse("");
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
