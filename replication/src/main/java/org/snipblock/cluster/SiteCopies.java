package org.snipblock.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.snipblock.cluster.proto.CopyMoving;
import org.snipblock.cluster.proto.SnippetPlacement;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.topology.FailureDomain;
import org.snipblock.cluster.topology.NodeDescriptor;
import org.snipblock.cluster.topology.NodeState;
import org.snipblock.cluster.topology.PlacementException;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;

/**
 * Brings a volume's copies into a site for {@link SiteMigration}, with {@link CopyMove}s whose
 * targets the placement policy chooses among that site's live nodes. The primary's copies go first
 * to one node of the site that will take over the primary (it must hold every entry), but their
 * old copies are dropped only after the handover ({@link #finish}): a primary cannot drop its own.
 * Under a spread below the site level every other copy follows into the site too (one entry's copy
 * at a time, its target chosen for that entry); under a site spread they stay in their own sites,
 * which the policy demands. Whether the site can take them all is checked before anything moves.
 * A migration taken over after a failover ({@code previous}: the primary before it) goes on with
 * the moves of the previous primary's copies into the site: the new primary resyncs their targets.
 */
final class SiteCopies {
  private final ClusterNode node;
  private final String volume;
  private final String site;
  private final String previous;
  private final List<CopyMove> primaryCopies = new ArrayList<>();
  private final List<CopyMove> otherCopies = new ArrayList<>();
  private String target;

  /** @param previous the primary before a failover whose migration this one takes over; "" for none */
  SiteCopies(ClusterNode node, String volume, String site, String previous) {
    this.node = node;
    this.volume = volume;
    this.site = site;
    this.previous = previous;
  }

  /**
   * Chooses the future primary and begins copying the primary's copies to it. Refuses, with nothing
   * changed, a site with no live node or one where no node can take the copies.
   */
  String begin(VolumeRecord v) {
    String primary = v.getPrimary();
    target = resumedTarget(node, v, previous, site).orElseGet(() -> choose(v, holders(v), primary));
    for (int i = 0; i < v.getSnippetsCount(); i++) {
      // The previous primary's copy, moving there when it was lost, goes on moving (it cannot be read).
      String from = moving(v, i, previous, target) ? previous : primary;
      if (!v.getSnippets(i).getNodesList().contains(target) || moving(v, i, from, target)) {
        primaryCopies.add(new CopyMove(node, volume, i, from, target));
      }
    }
    planOthers(v);
    try {
      primaryCopies.forEach(CopyMove::begin);
    } catch (RuntimeException e) {
      abort();
      throw e;
    }
    return target;
  }

  /**
   * Waits until the future primary holds every entry in sync, then moves the other copies into the
   * site, unless {@code stillOurs} throws (the migration was taken over meanwhile).
   */
  List<String> copy(Duration timeout, Runnable stillOurs) {
    List<String> done = new ArrayList<>();
    for (CopyMove m : primaryCopies) {
      m.awaitInSync(timeout);
    }
    done.add(primaryCopies.size() + " cop" + (primaryCopies.size() == 1 ? "y" : "ies") + " added on " + target);
    stillOurs.run();
    done.addAll(moveOthers(timeout));
    return done;
  }

  /**
   * After the handover: drops the old primary's copies that {@link #begin} replaced, then moves
   * its others (of entries the new primary held already) into the site.
   */
  List<String> finish(Duration timeout) {
    primaryCopies.forEach(CopyMove::finish);
    List<String> done = new ArrayList<>();
    done.add("old primary's copies dropped (" + primaryCopies.size() + ")");
    done.addAll(moveOthers(timeout));
    return done;
  }

  /** Undoes what {@link #begin} added, after a failure before the handover. */
  void abort() {
    primaryCopies.forEach(CopyMove::abort);
  }

  /** The nodes of the site that hold (or are being given) a copy of the volume, as on record now. */
  Set<String> receivers() {
    Set<String> out = new TreeSet<>();
    node.metadata().volume(volume).ifPresent(v -> v.getSnippetsList().forEach(s -> s.getNodesList().stream()
        .filter(n -> siteOf(n).equals(site)).forEach(out::add)));
    return out;
  }

  /**
   * The node of the site that copies of the primary (or of {@code previous}, the primary before a
   * failover) were moving to when a migration was interrupted: a migration asked again, or taken
   * over, goes on with them.
   */
  static Optional<String> resumedTarget(ClusterNode node, VolumeRecord v, String previous, String site) {
    return v.getMovingList().stream().filter(c -> c.getFrom().equals(v.getPrimary()) || c.getFrom().equals(previous))
        .map(CopyMoving::getTo).filter(to -> SiteNames.siteOf(node.metadata(), to).filter(site::equals).isPresent())
        .findFirst();
  }

  private static boolean moving(VolumeRecord v, int entry, String from, String to) {
    return v.getMovingList().stream().anyMatch(c -> c.getSnippet() == entry && c.getFrom().equals(from)
        && c.getTo().equals(to));
  }

  /** Refuses, before anything is copied, a site that cannot take the other copies too (they move afterwards). */
  private void planOthers(VolumeRecord v) {
    if (FailureDomain.parse(v.getSpread()) == FailureDomain.SITE) {
      return;
    }
    for (int i = 0; i < v.getSnippetsCount(); i++) {
      int stripe = i;
      List<String> planned = new ArrayList<>(v.getSnippets(i).getNodesList());
      // The copy moving to the future primary (the primary's, or the previous primary's) leaves.
      primaryCopies.stream().filter(m -> m.snippet() == stripe).forEach(m -> planned.remove(m.from()));
      if (!planned.contains(target)) {
        planned.add(target);
      }
      for (String h : List.copyOf(planned)) {
        if (!siteOf(h).equals(site)) {
          String to = choose(v, List.of(planned), h);
          planned.remove(h);
          planned.add(to);
        }
      }
    }
  }

  /** Moves, one by one, every copy outside the site but the primary's into it; the steps done. */
  private List<String> moveOthers(Duration timeout) {
    List<String> done = new ArrayList<>();
    if (FailureDomain.parse(current().getSpread()) == FailureDomain.SITE) {
      return done;
    }
    for (CopyMove m = nextOther(); m != null; m = nextOther()) {
      otherCopies.add(m);
      m.run(timeout);
      done.add("copy moved: " + m);
    }
    return done;
  }

  /** The next copy outside the site, other than the primary's, and the node of the site it goes to. */
  private CopyMove nextOther() {
    VolumeRecord v = current();
    for (int i = 0; i < v.getSnippetsCount(); i++) {
      List<String> entry = List.copyOf(v.getSnippets(i).getNodesList());
      for (String h : entry) {
        // A copy being moved already (the old primary's, just dropped: the record may still list it
        // until its node released it) is not moved again.
        if (!h.equals(v.getPrimary()) && !siteOf(h).equals(site) && !movedOrMoving(v, i, h)) {
          return new CopyMove(node, volume, i, h, choose(v, List.of(entry), h));
        }
      }
    }
    return null;
  }

  private boolean movedOrMoving(VolumeRecord v, int entry, String from) {
    return java.util.stream.Stream.concat(primaryCopies.stream(), otherCopies.stream())
        .anyMatch(m -> m.snippet() == entry && m.from().equals(from))
        || v.getMovingList().stream().anyMatch(c -> c.getSnippet() == entry && c.getFrom().equals(from));
  }

  /** The node of the site that placement picks to take {@code leaving}'s copies; nodes elsewhere only constrain. */
  private String choose(VolumeRecord v, List<List<String>> holders, String leaving) {
    List<NodeDescriptor> nodes = node.volumes().descriptors().stream().map(d -> d.location().site().equals(site) ? d
        : new NodeDescriptor(d.id(), d.location(), NodeState.DOWN, d.capacityBytes(), d.usedBytes(), d.load()))
        .toList();
    if (nodes.stream().noneMatch(d -> d.state() == NodeState.UP)) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "site " + site + " has no live node to take the "
          + "copies of " + volume);
    }
    try {
      return node.placement().move(nodes, Drainer.request(v), holders, leaving);
    } catch (PlacementException e) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "no node in site " + site + " can take the copies of "
          + volume + " on " + leaving + " (copies=" + v.getCopies() + " spread=" + v.getSpread()
          + "): every node there lacks the space or would share a " + v.getSpread() + " with another copy");
    }
  }

  private static List<List<String>> holders(VolumeRecord v) {
    return v.getSnippetsList().stream().map(SnippetPlacement::getNodesList).map(List::copyOf).toList();
  }

  private VolumeRecord current() {
    return node.metadata().volume(volume).orElseThrow(() ->
        new VolumeAdminException(Reason.NOT_FOUND, "volume " + volume + " was deleted while it migrated"));
  }

  private String siteOf(String nodeId) {
    return SiteNames.siteOf(node.metadata(), nodeId).orElse("");
  }
}
