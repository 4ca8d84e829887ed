package org.snipblock.iscsi.scsi;

import java.util.List;
import org.snipblock.iscsi.alua.AccessState;
import org.snipblock.iscsi.alua.PortGroup;
import org.snipblock.iscsi.alua.PortGroups;
import org.snipblock.iscsi.alua.Portal;

/**
 * One node's view of a volume's paths in the two-node unit tests: group 1 (active/optimized) and
 * group 2 (active/non-optimized), this node being {@code tag}; a group can be taken out, as a
 * node leaving the cluster's view is. With explicit transitions, {@link #makeOptimized} swaps the
 * states as a move of the primary would (group 3 refuses, as a node without an in-sync copy would).
 */
final class TestPortGroups implements PortGroups {
  private final int tag;
  private boolean explicit;
  private volatile List<PortGroup> groups =
      List.of(new PortGroup(1, AccessState.ACTIVE_OPTIMIZED), new PortGroup(2, AccessState.ACTIVE_NON_OPTIMIZED));

  TestPortGroups(int tag) {
    this.tag = tag;
  }

  TestPortGroups explicit() {
    explicit = true;
    groups = List.of(groups.get(0), groups.get(1), new PortGroup(3, AccessState.ACTIVE_NON_OPTIMIZED));
    return this;
  }

  @Override
  public boolean explicitTransitions() {
    return explicit;
  }

  @Override
  public java.util.concurrent.CompletableFuture<Void> makeOptimized(String d, int optimized) {
    if (optimized == 3) {
      return java.util.concurrent.CompletableFuture.failedFuture(
          new IllegalStateException("node 3 holds no in-sync copy"));
    }
    groups = groups.stream().map(g -> new PortGroup(g.tag(), g.tag() == optimized ? AccessState.ACTIVE_OPTIMIZED
        : AccessState.ACTIVE_NON_OPTIMIZED)).toList();
    return java.util.concurrent.CompletableFuture.completedFuture(null);
  }

  /** Every group transitioning: the primary is out of reach. */
  void transitioning() {
    groups = groups.stream().map(g -> new PortGroup(g.tag(), AccessState.TRANSITIONING)).toList();
  }

  /** The node of this group left the view. */
  void remove(int gone) {
    groups = groups.stream().filter(g -> g.tag() != gone).toList();
  }

  @Override
  public int localTag() {
    return tag;
  }

  @Override
  public List<Portal> portals(String d, String localPortal) {
    return List.of(new Portal(localPortal, tag));
  }

  @Override
  public List<PortGroup> groups(String d) {
    return groups;
  }
}
