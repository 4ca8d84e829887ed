package org.snipblock.cluster;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import org.snipblock.block.DaemonThreads;
import org.snipblock.cluster.proto.SiteMigrationMark;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.store.VolumeAdminException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A migration whose primary is lost mid-way (a failover) is carried on by the new primary. A
 * migration runs on its volume's primary, so nothing else would end it: the copies it began into
 * the site would be resynced by the new primary with no ballooning, the guest's writes outrunning
 * them across the WAN again, and its mark would refuse every other migration until a new one
 * replaced it. So, once a tick, this node takes over each migration of a volume it is now the
 * primary of whose mark names a node that has left the view: it replaces the mark with its own (a
 * compare-and-set: one taker), then runs the rest of it ({@link SiteMigration#takeOver}), which
 * resumes ballooning at once and goes on to the handover and the drop, and clears the mark at the
 * end. Every node refuses a second migration meanwhile, naming this one.
 */
final class MigrationTakeovers implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MigrationTakeovers.class);

  private final ClusterNode node;
  private final SiteFollowing following;
  /** Whether a node (by id) is in this node's view: the registry's answer. */
  private final Predicate<String> reachable;
  // A migration takes minutes: never on the tick's own thread.
  private final ExecutorService runner;

  MigrationTakeovers(ClusterNode node, SiteFollowing following, Predicate<String> reachable) {
    this.node = node;
    this.following = following;
    this.reachable = reachable;
    this.runner = Executors.newCachedThreadPool(DaemonThreads.named("migration-takeover-" + node.nodeId()));
  }

  /** Starts taking over every migration this node should carry on now (see the class). */
  void tick() {
    for (VolumeRecord v : node.metadata().volumes()) {
      if (orphanedHere(v) && following.hold(v.getName(), v.getMigration().getSite())) {
        SiteMigrationMark lost = v.getMigration();
        try {
          runner.execute(() -> takeOver(v.getName(), lost));
        } catch (java.util.concurrent.RejectedExecutionException e) {
          following.release(v.getName());
        }
      }
    }
  }

  /**
   * Whether this node is the volume's primary (its device made for the record's epoch) while the
   * volume's migration mark names another node that has left the view: a primary lost mid-way.
   * The mark's node still in the view runs its migration (past the handover it no longer is the
   * primary) or clears its mark itself.
   */
  private boolean orphanedHere(VolumeRecord v) {
    if (!v.hasMigration() || !node.nodeId().equals(v.getPrimary())
        || v.getMigration().getNode().equals(node.nodeId()) || reachable.test(v.getMigration().getNode())) {
      return false;
    }
    return node.primaryDevice(v.getName()).filter(d -> d.primary() && d.epoch() == v.getEpoch()).isPresent();
  }

  private void takeOver(String volume, SiteMigrationMark lost) {
    try {
      SiteMigrationMark mark = following.newMark(lost.getSite());
      following.commitMark(volume, mark, lost.getId());
      log.info("volume {}: taking over the migration to site {} of {}, which left the view", volume, lost.getSite(),
          lost.getNode());
      try {
        SiteMigration.Result r = new SiteMigration(node, () -> following.owns(volume, mark.getId(), lost.getId()))
            .takeOver(volume, lost.getSite(), lost.getNode(), SiteMigration.CATCH_UP_BOUND);
        log.info("volume {}: the migration to site {} taken over from {} ended ({} steps)", volume, lost.getSite(),
            lost.getNode(), r.steps().size());
      } finally {
        following.clearMark(volume, mark.getId());
      }
    } catch (VolumeAdminException e) {
      log.warn("volume {}: the migration to site {} taken over from {} failed: {}", volume, lost.getSite(),
          lost.getNode(), e.getMessage());
    } catch (RuntimeException e) {
      log.warn("volume {}: the migration to site {} taken over from {} failed: {}", volume, lost.getSite(),
          lost.getNode(), e.toString(), e);
    } finally {
      following.release(volume);
    }
  }

  @Override
  public void close() {
    runner.shutdownNow();
  }
}
