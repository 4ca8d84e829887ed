package org.snipblock.node.daemon;

import com.google.protobuf.ByteString;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.snipblock.cluster.VolumeAccessControl;
import org.snipblock.cluster.meta.ChapKey;
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
 * the configuration alone; a CHAP the cluster sets for a volume replaces the configuration's. (For
 * iSCSI the configuration's part is open on a cluster node: {@code NodeConfig} refuses per-volume
 * CHAP and initiator lists there, so every path asks the same; NBD's still apply.)
 * Asked at every login and handshake, and again of every open connection
 * when the cluster's access changes.
 */
final class ClusterDoorAccess {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ClusterDoorAccess.class);

  private ClusterDoorAccess() {}

  static IscsiTargetConfig iscsi(IscsiTargetConfig configured, VolumeAccessControl cluster, ChapKey key) {
    return configured.withAccess(target -> {
      String volume = NodeConfig.volumeOf(target);
      TargetAccess own = withClusterChap(configured.access().apply(target), volume, cluster.chap(volume), key);
      List<String> names = VolumeAccessControl.initiators(access(cluster, target));
      return names == null ? own : (own == null ? TargetAccess.OPEN : own).restrictedTo(names);
    }, configured.discoveryAccess());
  }

  /**
   * The cluster's CHAP, where it sets one, replaces the YAML's for the volume: every node's door then
   * asks the same secret (and proves the same mutual one); the YAML's initiator list still applies.
   * Secrets this node cannot open (no key, another key) admit nobody: the refusal is logged, never
   * the door left open.
   */
  private static TargetAccess withClusterChap(TargetAccess own, String volume, Optional<VolumeChap> chap, ChapKey key) {
    if (chap.isEmpty()) {
      return own;
    }
    VolumeChap c = chap.get();
    TargetAccess base = own == null ? TargetAccess.OPEN : own;
    try {
      String secret = open(volume, c.getSecret(), c.getSealedSecret(), ChapKey.Role.SECRET, key);
      ChapSecret mutual = c.getMutualUser().isEmpty() ? null : new ChapSecret(c.getMutualUser(),
          open(volume, c.getMutualSecret(), c.getSealedMutualSecret(), ChapKey.Role.MUTUAL_SECRET, key));
      return new TargetAccess(new ChapSecret(c.getUser(), secret), mutual, base.allowedInitiators(), base.restricted());
    } catch (IllegalArgumentException e) {
      log.error("volume {}: refusing every login: its CHAP secret cannot be opened here: {}", volume, e.getMessage());
      return base.restrictedTo(List.of());
    }
  }

  /** A sealed secret opened, or the clear one of a record written before sealing. */
  private static String open(String volume, String clear, ByteString sealed, ChapKey.Role role, ChapKey key) {
    if (sealed.isEmpty()) {
      return clear;
    }
    if (key == null) {
      throw new IllegalArgumentException("this node has no cluster.chap-key");
    }
    return key.open(volume, role, sealed.toByteArray());
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
