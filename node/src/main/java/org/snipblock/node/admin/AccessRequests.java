package org.snipblock.node.admin;

import io.grpc.Status;
import org.snipblock.cluster.ClusterNode;
import org.snipblock.cluster.VolumeAccessControl;
import org.snipblock.cluster.proto.SetAccess;
import org.snipblock.node.admin.v1.SetVolumeAccessRequest;
import org.snipblock.node.admin.v1.ShowVolumeAccessRequest;
import org.snipblock.node.admin.v1.VolumeAccess;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The admin API's cluster-wide volume access (fencing a host out of its volumes). */
final class AccessRequests {
  private static final Logger log = LoggerFactory.getLogger(AccessRequests.class);

  /** Null on a standalone node. */
  private final ClusterNode cluster;

  AccessRequests(ClusterNode cluster) {
    this.cluster = cluster;
  }

  VolumeAccess set(SetVolumeAccessRequest req) {
    VolumeAccessControl.Change c = control().set(SetAccess.newBuilder().setName(req.getVolume())
        .addAllAllowInitiators(req.getAllowInitiatorsList()).addAllRevokeInitiators(req.getRevokeInitiatorsList())
        .addAllAllowCertificateNames(req.getAllowCertificateNamesList())
        .addAllRevokeCertificateNames(req.getRevokeCertificateNamesList()).setOpen(req.getOpen()).build());
    log.info("access of volume {} at version {}: initiators {}, certificate names {}; enforced by {}, out of view {}",
        req.getVolume(), c.access().getVersion(),
        c.access().getInitiatorsRestricted() ? c.access().getInitiatorsList() : "unrestricted",
        c.access().getCertificateNamesRestricted() ? c.access().getCertificateNamesList() : "unrestricted",
        c.confirmed(), c.unconfirmed());
    return toProto(req.getVolume(), c.access()).toBuilder().addAllConfirmedNodes(c.confirmed())
        .addAllUnconfirmedNodes(c.unconfirmed()).build();
  }

  VolumeAccess show(ShowVolumeAccessRequest req) {
    return toProto(req.getVolume(), control().show(req.getVolume()));
  }

  private VolumeAccessControl control() {
    if (cluster == null) {
      throw Status.FAILED_PRECONDITION.withDescription("cluster-wide volume access needs a cluster: this node is "
          + "standalone; its iSCSI allowed-initiators and NBD allowed-certificate-names come from its config file")
          .asRuntimeException();
    }
    return cluster.access();
  }

  private static VolumeAccess toProto(String volume, org.snipblock.cluster.proto.VolumeAccess a) {
    return VolumeAccess.newBuilder().setVolume(volume).setInitiatorsRestricted(a.getInitiatorsRestricted())
        .addAllInitiators(a.getInitiatorsList()).setCertificateNamesRestricted(a.getCertificateNamesRestricted())
        .addAllCertificateNames(a.getCertificateNamesList()).setVersion(a.getVersion()).build();
  }
}
