package org.snipblock.cluster;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.snipblock.cluster.meta.ClusterMetadata;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.replica.ReplicatedBlockDevice;
import org.snipblock.cluster.topology.Location;

/**
 * The paths to a volume through the nodes' iSCSI doors, as this node sees them: every node in the
 * membership view that has announced its door serves every volume, the primary's without a hop.
 * Asked for every SCSI command (to notice a change of paths), so the answer per volume is kept
 * until the metadata or the view changes, or for a quarter second at most (a handover's hold is
 * known only to the old primary and has no event).
 */
public final class DoorPaths {
  private static final long KEEP_NANOS = 250_000_000L;

  /**
   * One node's door to the volume.
   *
   * @param otherSite the node stands in another site than the volume's primary: every node answers
   *                  alike (a path's state must not depend on which node is asked, and the node an
   *                  initiator reaches through a remote site is the one whose path is remote)
   */
  public record Path(String node, int portalGroup, String portal, boolean primary, boolean otherSite) {}

  private record Ranked(Path path, int distance) {}

  /**
   * @param nearestFirst   the doors, this node's first, then by measured round trip
   * @param transitioning  the one-writer role is moving: its holder is unreachable (a failover is
   *                       coming) or this node, its primary, is handing it over
   */
  public record VolumePaths(List<Path> nearestFirst, boolean transitioning) {}

  private record Kept(VolumePaths paths, long at) {}

  private final String self;
  private final ClusterMetadata metadata;
  private final Supplier<Set<String>> view;
  private final Function<String, Optional<ReplicatedBlockDevice>> primaries;
  private final Map<String, Kept> kept = new ConcurrentHashMap<>();

  /** (Public for the node's tests of the port groups derived from the paths.) */
  public DoorPaths(String self, ClusterMetadata metadata, Supplier<Set<String>> view,
      Function<String, Optional<ReplicatedBlockDevice>> primaries) {
    this.self = self;
    this.metadata = metadata;
    this.view = view;
    this.primaries = primaries;
  }

  /** This node's portal group tag; 0 until the metadata has given it one. */
  public int localPortalGroup() {
    return metadata.node(self).map(NodeRecord::getPortalGroup).orElse(0);
  }

  /** The volume's paths, or empty if there is no such volume. */
  public Optional<VolumePaths> of(String volume) {
    Kept k = kept.get(volume);
    long now = System.nanoTime();
    if (k != null && now - k.at() < KEEP_NANOS) {
      return Optional.of(k.paths());
    }
    Optional<VolumePaths> fresh = compute(volume);
    fresh.ifPresentOrElse(p -> kept.put(volume, new Kept(p, now)), () -> kept.remove(volume));
    return fresh;
  }

  /** The metadata or the membership view changed: answer afresh. */
  void changed() {
    kept.clear();
  }

  private Optional<VolumePaths> compute(String volume) {
    Optional<VolumeRecord> record = metadata.volume(volume);
    if (record.isEmpty()) {
      return Optional.empty();
    }
    Set<String> members = view.get();
    List<NodeRecord> nodes = metadata.nodes();
    NodeRecord me = nodes.stream().filter(n -> n.getId().equals(self)).findFirst().orElse(null);
    Location here = me == null ? null : Location.parse(me.getLocation());
    Map<String, Double> rtt = me == null ? Map.of() : me.getRttMillisMap();
    String primary = record.get().getPrimary();
    String primarySite = nodes.stream().filter(n -> n.getId().equals(primary)).findFirst()
        .map(DoorPaths::site).orElse(null);
    List<Ranked> paths = new ArrayList<>();
    boolean primaryReachable = false;
    for (NodeRecord n : nodes) {
      boolean reachable = n.getId().equals(self) || members.contains(n.getMember());
      primaryReachable |= reachable && n.getId().equals(primary);
      if (!reachable || n.getIscsiPortal().isEmpty() || n.getPortalGroup() == 0) {
        continue;
      }
      // 0 this node, then 1 + Location.distance (1 same host .. 5 another site)
      int distance = n.getId().equals(self) ? 0
          : 1 + (here == null ? 0 : here.distance(Location.parse(n.getLocation())));
      boolean otherSite = primarySite != null && !primarySite.equals(site(n));
      paths.add(new Ranked(new Path(n.getId(), n.getPortalGroup(), n.getIscsiPortal(), n.getId().equals(primary),
          otherSite), distance));
    }
    // This node first, then by measured round trip (unmeasured last), then by place, then by name.
    paths.sort(Comparator.comparingInt((Ranked r) -> r.distance() == 0 ? 0 : 1)
        .thenComparingDouble(r -> rtt.getOrDefault(r.path().node(), Double.MAX_VALUE))
        .thenComparingInt(Ranked::distance)
        .thenComparing(r -> r.path().node()));
    boolean handingOver = primary.equals(self)
        && primaries.apply(volume).map(ReplicatedBlockDevice::handingOver).orElse(false);
    return Optional.of(new VolumePaths(paths.stream().map(Ranked::path).toList(), !primaryReachable || handingOver));
  }

  /** The node's site; null if its record has no readable location (then no site is "another"). */
  private static String site(NodeRecord n) {
    try {
      return Location.parse(n.getLocation()).site();
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
