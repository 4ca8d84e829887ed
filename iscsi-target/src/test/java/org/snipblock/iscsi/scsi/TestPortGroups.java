package org.snipblock.iscsi.scsi;

import java.util.List;
import org.snipblock.iscsi.alua.AccessState;
import org.snipblock.iscsi.alua.PortGroup;
import org.snipblock.iscsi.alua.PortGroups;
import org.snipblock.iscsi.alua.Portal;

/**
 * One node's view of a volume's paths in the two-node unit tests: group 1 (active/optimized) and
 * group 2 (active/non-optimized), this node being {@code tag}; a group can be taken out, as a
 * node leaving the cluster's view is.
 */
final class TestPortGroups implements PortGroups {
  private final int tag;
  private volatile List<PortGroup> groups =
      List.of(new PortGroup(1, AccessState.ACTIVE_OPTIMIZED), new PortGroup(2, AccessState.ACTIVE_NON_OPTIMIZED));

  TestPortGroups(int tag) {
    this.tag = tag;
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
