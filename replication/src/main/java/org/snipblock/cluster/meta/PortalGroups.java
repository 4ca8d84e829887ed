package org.snipblock.cluster.meta;

import java.util.Map;
import org.snipblock.cluster.proto.AnnounceDoor;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;

/**
 * The nodes' iSCSI doors in the metadata: each node's portal and its portal group tag. The tag is
 * the node's name in iSCSI and ALUA alike (portal group, target port group, relative target
 * port), so an initiator's view of its paths stays the same across restarts: the state machine
 * gives a node the next free tag the first time and keeps it, also across re-registration.
 */
final class PortalGroups {
  /** iSCSI portal group tags are 16 bits; 0 means "none yet". */
  private static final int MAX_TAG = 0xffff;
  /** "host:port", "[v6]:port". */
  private static final java.util.regex.Pattern PORTAL =
      java.util.regex.Pattern.compile("([^\\s:\\[\\],]+|\\[[0-9a-fA-F:.]+\\]):\\d{1,5}");

  private PortalGroups() {}

  /** The record to store for a (re-)registering node: its door and tag carried over, or a new tag. */
  static NodeRecord registered(Map<String, NodeRecord> nodes, NodeRecord old, NodeRecord n) {
    if (old != null && old.getPortalGroup() != 0) {
      return n.toBuilder().setPortalGroup(old.getPortalGroup()).setIscsiPortal(old.getIscsiPortal()).build();
    }
    return n.toBuilder().setPortalGroup(nextTag(nodes)).build();
  }

  /** Records the node's iSCSI portal; refused for an unknown node or a malformed portal. */
  static NodeRecord announce(Map<String, NodeRecord> nodes, AnnounceDoor a) {
    NodeRecord n = nodes.get(a.getId());
    if (n == null) {
      throw new VolumeAdminException(Reason.NOT_FOUND, "unknown node " + a.getId());
    }
    if (!PORTAL.matcher(a.getIscsiPortal()).matches()) {
      throw new VolumeAdminException(Reason.INVALID_ARGUMENT, "invalid iSCSI portal '" + a.getIscsiPortal()
          + "': expected HOST:PORT");
    }
    NodeRecord.Builder b = n.toBuilder().setIscsiPortal(a.getIscsiPortal());
    if (n.getPortalGroup() == 0) {
      b.setPortalGroup(nextTag(nodes)); // registered before tags existed
    }
    NodeRecord after = b.build();
    nodes.put(after.getId(), after);
    return after;
  }

  private static int nextTag(Map<String, NodeRecord> nodes) {
    int max = nodes.values().stream().mapToInt(NodeRecord::getPortalGroup).max().orElse(0);
    if (max >= MAX_TAG) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "no iSCSI portal group tag left (" + MAX_TAG
          + " nodes have registered)");
    }
    return max + 1;
  }
}
