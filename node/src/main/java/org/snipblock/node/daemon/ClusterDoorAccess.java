package org.snipblock.node.daemon;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.snipblock.cluster.VolumeAccessControl;
import org.snipblock.cluster.proto.VolumeAccess;
import org.snipblock.cluster.proto.VolumeChap;
import org.snipblock.iscsi.ChapSecret;
import org.snipblock.iscsi.IscsiTarget;
import org.snipblock.iscsi.IscsiTargetConfig;
import org.snipblock.iscsi.TargetAccess;
import org.snipblock.nbd.ExportPolicy;
import org.snipblock.nbd.NbdServer;
import org.snipblock.nbd.NbdServerConfig;
import org.snipblock.node.config.NodeConfig;

/**
 * A cluster node's doors ask two lists: the node's own configuration (YAML) and the volume's
 * cluster-wide access. Both must admit a client; a kind the cluster does not restrict is left to
 * the configuration alone; a CHAP the cluster sets for a volume replaces the configuration's.
 * Asked at every login and handshake, and again of every open connection
 * when the cluster's access changes.
 */
final class ClusterDoorAccess {
  private ClusterDoorAccess() {}

  static IscsiTargetConfig iscsi(IscsiTargetConfig configured, VolumeAccessControl cluster) {
    return configured.withAccess(target -> {
      TargetAccess own = withClusterChap(configured.access().apply(target), cluster.chap(NodeConfig.volumeOf(target)));
      List<String> names = VolumeAccessControl.initiators(access(cluster, target));
      return names == null ? own : (own == null ? TargetAccess.OPEN : own).restrictedTo(names);
    }, configured.discoveryAccess());
  }

  /**
   * The cluster's CHAP, where it sets one, replaces the YAML's for the volume: every node's door then
   * asks the same secret (and proves the same mutual one); the YAML's initiator list still applies.
   */
  private static TargetAccess withClusterChap(TargetAccess own, Optional<VolumeChap> chap) {
    if (chap.isEmpty()) {
      return own;
    }
    VolumeChap c = chap.get();
    ChapSecret mutual = c.getMutualUser().isEmpty() ? null : new ChapSecret(c.getMutualUser(), c.getMutualSecret());
    TargetAccess base = own == null ? TargetAccess.OPEN : own;
    return new TargetAccess(new ChapSecret(c.getUser(), c.getSecret()), mutual, base.allowedInitiators(),
        base.restricted());
  }

  static NbdServerConfig nbd(NbdServerConfig configured, VolumeAccessControl cluster) {
    return configured.withExportPolicies(export -> {
      ExportPolicy own = configured.exportPolicies().forExport(export);
      List<String> names = VolumeAccessControl.certificateNames(access(cluster, export));
      return names == null ? own : own.restrictedToCertificateNames(names);
    });
  }

  /** Closes, on both doors, what the access no longer admits; both ask every connection again. */
  static VolumeAccessControl.DoorGate gate(IscsiTarget iscsi, NbdServer nbd) {
    return volume -> CompletableFuture.allOf(iscsi.closeRefused(), nbd.closeRefused());
  }

  /** A snapshot's target or export ({@code NAME@SNAP}) is guarded as its volume is. */
  private static Optional<VolumeAccess> access(VolumeAccessControl cluster, String device) {
    return cluster.forDoors(NodeConfig.volumeOf(device));
  }
}
