package org.snipblock.cluster;

import java.util.List;
import java.util.Optional;
import org.snipblock.cluster.follow.FollowControl;
import org.snipblock.cluster.follow.FollowView;
import org.snipblock.cluster.follow.RttMatrix;
import org.snipblock.cluster.follow.SiteSettings;
import org.snipblock.cluster.meta.SiteMigrationMarks;
import org.snipblock.cluster.proto.MarkSiteMigration;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.proto.SetCatchUp;
import org.snipblock.cluster.proto.SetConsumer;
import org.snipblock.cluster.proto.SetModeControl;
import org.snipblock.cluster.proto.SiteMigrationMark;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Storage that follows its consumer, as the admin API asks it: where a volume is consumed, the
 * automatic mode control, catching up under ballooning, and what the measured round trips say
 * (sites as measured, each volume's response time, sync over a slow link).
 */
public final class SiteFollowing {
  private static final Logger log = LoggerFactory.getLogger(SiteFollowing.class);

  private final ClusterNode node;
  private final SiteSettings settings;
  private final FollowControl control;
  /** The volumes migrating from this node (their primary), to which site. */
  private final java.util.Map<String, String> migrating = new java.util.concurrent.ConcurrentHashMap<>();
  private static final java.time.Duration FRESH = java.time.Duration.ofSeconds(5);
  /**
   * The ids of the marks this node cleared that its own copy of the metadata may still show: a
   * commit returns once the majority applied it, not necessarily this node.
   */
  private final java.util.Set<String> cleared = java.util.concurrent.ConcurrentHashMap.newKeySet();

  private final MigrationTakeovers takeovers;

  /** @param reachable whether a node (by id) is in this node's view, as its registry tells it */
  SiteFollowing(ClusterNode node, SiteSettings settings, FollowControl control,
      java.util.function.Predicate<String> reachable) {
    this.node = node;
    this.settings = settings;
    this.control = control;
    this.takeovers = new MigrationTakeovers(node, this, reachable);
  }

  /** Stops the migrations taken over here (the node closes). */
  void close() {
    takeovers.close();
  }

  private final java.util.concurrent.atomic.AtomicBoolean ticking = new java.util.concurrent.atomic.AtomicBoolean();

  /**
   * One round of clearing orphaned migration marks, taking over the migrations of a lost primary,
   * the automatic mode control and ballooning; a round still running makes this one a no-op.
   */
  void tick() {
    if (!ticking.compareAndSet(false, true)) {
      return;
    }
    try {
      clearOrphanedMarks();
      takeovers.tick();
      control.tick();
    } catch (RuntimeException e) {
      log.warn("site following round (marks, mode control, ballooning) failed: {}", e.toString(), e);
    } finally {
      ticking.set(false);
    }
  }

  public SiteSettings settings() {
    return settings;
  }

  /** Records where the volume is consumed ("" forgets it); INVALID_ARGUMENT for a malformed place or unknown site. */
  public VolumeRecord setConsumer(String volume, String consumer) {
    VolumeRecord v = node.commit(MetaCommand.newBuilder().setSetConsumer(SetConsumer.newBuilder().setName(volume)
        .setConsumer(consumer)).build());
    log.info("volume {}: consumer {}", volume, consumer.isEmpty() ? "forgotten" : "now " + consumer);
    return v;
  }

  /** Puts the volume's mode under automatic control (an explicit sync or async ends it). */
  public VolumeRecord autoMode(String volume) {
    VolumeRecord v = node.commit(MetaCommand.newBuilder().setSetModeControl(SetModeControl.newBuilder()
        .setName(volume).setAuto(true)).build());
    log.info("volume {}: mode under automatic control, {} now", volume, v.getMode());
    return v;
  }

  /** Starts (or stops) a catch-up: the primary throttles writes that outrun replication until the lag converges. */
  public VolumeRecord catchUp(String volume, boolean on) {
    VolumeRecord v = node.commit(MetaCommand.newBuilder().setSetCatchUp(SetCatchUp.newBuilder().setName(volume)
        .setCatchingUp(on)).build());
    log.info("volume {}: catch-up {}", volume, on ? "started" : "stopped");
    return v;
  }

  /**
   * Throttles the volume's writes, while this node is its primary, so that what remains to send to
   * its new copies on {@code receivers} shrinks; until the handle is closed.
   */
  public org.snipblock.cluster.follow.CopyBallooning balloonCopies(String volume,
      java.util.function.Supplier<java.util.Set<String>> receivers) {
    return control.balloonCopies(volume, receivers);
  }

  /** The round trips as this node knows them (its own measured now, the others' as last reported). */
  public RttMatrix rtt() {
    return new RttMatrix(node.status().rttMillis());
  }

  /** The nodes in groups within the sync bound of each other. */
  public List<List<String>> syncGroups() {
    return rtt().syncGroups(node.metadata().nodes().stream().map(NodeRecord::getId).toList(),
        settings.syncBoundMillis());
  }

  public Optional<FollowView> view(String volume) {
    return node.metadata().volume(volume).map(v -> {
      RttMatrix rtt = rtt();
      return new FollowView(v.getConsumer(), v.getAutoMode(), v.getCatchingUp(),
          v.getModeSwitchesList().stream().map(s -> new FollowView.Switch(s.getFrom(), s.getTo(), s.getReason(),
              s.getAtMillis())).toList(),
          rtt.reach(v), rtt.syncOverSlowLink(v, settings.syncBoundMillis()), settings.syncBoundMillis(),
          control.measured(volume));
    });
  }

  /**
   * Moves a volume into a site, building copies there first if need be (see {@link SiteMigration});
   * the catch-up may take at most {@code catchUpBound}. One migration of a volume at a time, in the
   * whole cluster: the volume's record carries a mark from start to end, so any node asked while it
   * runs refuses with the same line, before any other answer (see {@link SiteMigrationMark}).
   */
  public SiteMigration.Result migrate(String volume, String site, java.time.Duration catchUpBound) {
    if (!hold(volume, site)) {
      // Two migrations of one volume would pick targets and drop copies against each other.
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "volume " + volume + " is already migrating to site "
          + java.util.Objects.requireNonNullElse(migrating.get(volume), site) + " on " + node.nodeId()
          + "; ask again once that ended");
    }
    try {
      freshMetadata();
      String replaced = replaceableMark(volume);
      SiteMigrationMark mark = newMark(site);
      SiteMigration migration = new SiteMigration(node, () -> owns(volume, mark.getId(), replaced));
      migration.check(volume, site);
      commitMark(volume, mark, replaced);
      try {
        return migration.migrate(volume, site, catchUpBound);
      } finally {
        clearMark(volume, mark.getId());
      }
    } finally {
      release(volume);
    }
  }

  /** Holds the volume as migrating from this node; false if it already is. */
  boolean hold(String volume, String site) {
    return migrating.putIfAbsent(volume, site) == null;
  }

  void release(String volume) {
    migrating.remove(volume);
  }

  SiteMigrationMark newMark(String site) {
    return SiteMigrationMark.newBuilder().setSite(site).setNode(node.nodeId())
        .setId(java.util.UUID.randomUUID().toString()).setStartedMillis(System.currentTimeMillis()).build();
  }

  /**
   * Whether the volume's migration still is the one of mark {@code id}: not once another node
   * replaced the mark (a new primary took the migration over). No mark, or still the one it
   * {@code replaced}, counts as its own: this node may apply its own commit a moment after the
   * majority did (mark ids are never reused).
   */
  boolean owns(String volume, String id, String replaced) {
    return node.metadata().volume(volume).map(v -> !v.hasMigration() || v.getMigration().getId().equals(id)
        || v.getMigration().getId().equals(replaced)).orElse(true);
  }

  /**
   * Catches this node's copy of the metadata up first: it answers for the whole cluster (a mark
   * committed through the primary a moment ago, the primary itself), not for what it applied so far.
   * Without a majority the migration's first commit fails anyway, with its own line.
   */
  private void freshMetadata() {
    try {
      node.catchUp(FRESH).get(FRESH.toMillis() + 500, java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new VolumeAdminException(Reason.INTERNAL, "interrupted while catching up the cluster metadata");
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      log.debug("metadata not caught up within {} before a migration: {}", FRESH, e.toString());
    }
  }

  /**
   * The id of the volume's migration mark that a migration starting here replaces ("" for none):
   * only this node's own, which no migration here runs (this node holds the volume in
   * {@link #migrating}): a clear that failed, or a restart. Another node's mark refuses: that node
   * runs its migration, or, lost, the volume's primary (the next one, after a failover) takes it
   * over within a tick ({@link MigrationTakeovers}) and ends it. An answer meanwhile ("already in
   * site a" from a new primary that the migration to b is about to move away) would be wrong for
   * the one asking.
   */
  private String replaceableMark(String volume) {
    VolumeRecord v = node.metadata().volume(volume).orElse(null);
    if (v == null || !v.hasMigration()) {
      return "";
    }
    SiteMigrationMark m = v.getMigration();
    if (!m.getNode().equals(node.nodeId())) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, SiteMigrationMarks.alreadyMigrating(volume, m));
    }
    return m.getId();
  }

  void commitMark(String volume, SiteMigrationMark mark, String replaced) {
    if (!replaced.isEmpty()) {
      log.info("volume {}: replacing the mark {} of a migration that no longer runs there", volume, replaced);
    }
    node.commit(MetaCommand.newBuilder().setMarkSiteMigration(MarkSiteMigration.newBuilder().setName(volume)
        .setMark(mark).setExpectedId(replaced)).build());
  }

  /** Clears this node's mark; a failure only logs: {@link #clearOrphanedMarks} retries it. */
  void clearMark(String volume, String id) {
    try {
      node.commit(MetaCommand.newBuilder().setMarkSiteMigration(MarkSiteMigration.newBuilder().setName(volume)
          .setExpectedId(id)).build());
      cleared.add(id);
    } catch (VolumeAdminException e) {
      log.warn("volume {}: migration mark not cleared ({}); retried in the background", volume, e.getMessage());
    }
  }

  /** Clears the marks of this node for which no migration runs here, which would hold off the others. */
  private void clearOrphanedMarks() {
    java.util.Set<String> shown = new java.util.HashSet<>();
    for (VolumeRecord v : node.metadata().volumes()) {
      if (!v.hasMigration()) {
        continue;
      }
      SiteMigrationMark m = v.getMigration();
      shown.add(m.getId());
      if (m.getNode().equals(node.nodeId()) && !migrating.containsKey(v.getName()) && !cleared.contains(m.getId())) {
        log.info("volume {}: clearing the mark of a migration to site {} that no longer runs here", v.getName(),
            m.getSite());
        clearMark(v.getName(), m.getId());
      }
    }
    // Once this node's copy no longer shows a cleared mark, it never will again (ids are not reused).
    cleared.retainAll(shown);
  }

  /** Hands the volume's primary role to its in-sync copy nearest its consumer. */
  public PrimaryHandover.Result moveTowardConsumer(String volume) {
    if (node.metadata().volume(volume).isEmpty()) {
      throw new VolumeAdminException(Reason.NOT_FOUND, "no volume named " + volume);
    }
    return new PrimaryHandover(node).moveTowardConsumer(volume);
  }
}
