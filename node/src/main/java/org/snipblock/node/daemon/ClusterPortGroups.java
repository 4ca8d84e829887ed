package org.snipblock.node.daemon;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.snipblock.cluster.DoorPaths;
import org.snipblock.cluster.ExplicitAluaHandovers;
import org.snipblock.iscsi.alua.AccessState;
import org.snipblock.iscsi.alua.PortGroup;
import org.snipblock.iscsi.alua.PortGroups;
import org.snipblock.iscsi.alua.Portal;
import org.snipblock.node.config.AluaPolicy;
import org.snipblock.node.config.NodeConfig;

/**
 * A cluster node's iSCSI paths in SCSI terms: one target port group per node that serves the
 * volume, active/optimized on the primary's node (its door needs no hop), active/non-optimized on
 * the others (standby in other sites if {@link AluaPolicy} says so), all transitioning while the
 * primary is unreachable or handing over; where {@link AluaPolicy} allows explicit transitions, an
 * initiator's SET TARGET PORT GROUPS moves the primary to the group's node. A snapshot's target ({@code NAME@SNAP}) has its volume's paths.
 */
final class ClusterPortGroups implements PortGroups {
  private final DoorPaths paths;
  private final AluaPolicy policy;
  private final ExplicitAluaHandovers handovers;
  /** The states last derived per volume, and from which paths: asked on every command. */
  private final Map<String, Derived> derived = new ConcurrentHashMap<>();

  private record Derived(DoorPaths.VolumePaths from, List<PortGroup> groups) {}

  ClusterPortGroups(DoorPaths paths, AluaPolicy policy, ExplicitAluaHandovers handovers) {
    this.paths = paths;
    this.policy = policy;
    this.handovers = handovers;
  }

  /** If the policy says so, an initiator may choose the optimized path: SET TARGET PORT GROUPS moves the primary. */
  @Override
  public boolean explicitTransitions() {
    return policy.explicitTransitions();
  }

  @Override
  public CompletableFuture<Void> makeOptimized(String device, int tag) {
    String volume = NodeConfig.volumeOf(device);
    Optional<DoorPaths.Path> to = paths.of(volume).flatMap(p -> p.nearestFirst().stream()
        .filter(path -> path.portalGroup() == tag).findFirst());
    if (to.isEmpty()) {
      return CompletableFuture.failedFuture(new IllegalArgumentException("no node in view has portal group " + tag));
    }
    return handovers.makeOptimized(volume, to.get().node());
  }

  /**
   * By default a transition runs commands, which wait in the door for the new primary as they
   * always have: QEMU's iSCSI driver would fail a guest's I/O on NOT READY, and the states still
   * tell a multipath initiator which path to prefer.
   */
  @Override
  public boolean refusesInTransition() {
    return policy.refuseInTransition();
  }

  @Override
  public int localTag() {
    return paths.localPortalGroup();
  }

  @Override
  public List<Portal> portals(String device, String localPortal) {
    List<Portal> all = paths.of(NodeConfig.volumeOf(device))
        .map(p -> p.nearestFirst().stream().map(d -> new Portal(d.portal(), d.portalGroup())).toList())
        .orElse(List.of());
    // Until this node's own door is on record, it still answers for itself.
    return all.isEmpty() ? List.of(new Portal(localPortal, Math.max(1, localTag()))) : all;
  }

  @Override
  public List<PortGroup> groups(String device) {
    String volume = NodeConfig.volumeOf(device);
    Optional<DoorPaths.VolumePaths> now = paths.of(volume);
    if (now.isEmpty()) {
      derived.remove(volume);
      return List.of();
    }
    Derived d = derived.get(volume);
    if (d == null || d.from() != now.get()) {
      d = new Derived(now.get(), derive(now.get()));
      derived.put(volume, d);
    }
    return d.groups();
  }

  private List<PortGroup> derive(DoorPaths.VolumePaths p) {
    return p.nearestFirst().stream()
        .map(path -> new PortGroup(path.portalGroup(), state(p, path)))
        .sorted(Comparator.comparingInt(PortGroup::tag))
        .toList();
  }

  private AccessState state(DoorPaths.VolumePaths p, DoorPaths.Path path) {
    if (p.transitioning()) {
      return AccessState.TRANSITIONING;
    }
    if (path.primary()) {
      return AccessState.ACTIVE_OPTIMIZED;
    }
    return policy.standbyInOtherSites() && path.otherSite() ? AccessState.STANDBY : AccessState.ACTIVE_NON_OPTIMIZED;
  }
}
