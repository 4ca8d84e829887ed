package org.snipblock.node.admin;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import org.snipblock.cluster.ClusterNode;
import org.snipblock.cluster.meta.ChapKey;
import org.snipblock.cluster.proto.SetChap;
import org.snipblock.cluster.proto.VolumeChap;
import org.snipblock.node.admin.v1.IscsiChapGrpc;
import org.snipblock.node.admin.v1.SetVolumeChapRequest;
import org.snipblock.node.admin.v1.ShowVolumeChapRequest;
import org.snipblock.node.admin.v1.VolumeChapSetting;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API's CHAP calls: a clustered volume's CHAP kept in the cluster metadata, so that every
 * node's iSCSI door asks the same, its secrets sealed with the cluster's CHAP key. Answers and logs
 * name the users, never the secrets.
 */
public final class ChapService extends IscsiChapGrpc.IscsiChapImplBase {
  private static final Logger log = LoggerFactory.getLogger(ChapService.class);

  private final ClusterNode cluster;
  private final ChapKey key;
  private final AdminCalls calls;

  /**
   * @param cluster null: a standalone node, whose YAML sets CHAP
   * @param key     the cluster's CHAP key the secrets are sealed with before they enter the log; null: none
   */
  public ChapService(ClusterNode cluster, ChapKey key) {
    this.calls = new AdminCalls(cluster);
    this.cluster = cluster;
    this.key = key;
  }

  @Override
  public void setVolumeChap(SetVolumeChapRequest req, StreamObserver<VolumeChapSetting> out) {
    calls.answer(out, "set the CHAP of " + req.getName(), () -> {
      SetChap.Builder change = SetChap.newBuilder().setName(req.getName()).setOff(req.getOff());
      if (!req.getOff()) {
        change.setChap(VolumeChap.newBuilder().setUser(req.getUser()).setSecret(req.getSecret())
            .setMutualUser(req.getMutualUser()).setMutualSecret(req.getMutualSecret()));
      }
      VolumeChapSetting now = shown(req.getName(), clustered().access().setChap(change.build(), key));
      log.info("volume {}: CHAP {} (version {})", now.getName(), now.getUser().isEmpty() ? "off, logins need "
          + "none" : "user " + now.getUser() + (now.getMutualUser().isEmpty() ? ""
          : ", mutual user " + now.getMutualUser()), now.getVersion());
      return now;
    });
  }

  @Override
  public void showVolumeChap(ShowVolumeChapRequest req, StreamObserver<VolumeChapSetting> out) {
    calls.answer(out, "show the CHAP of " + req.getName(), () -> shown(req.getName(),
        clustered().access().showChap(req.getName())));
  }

  private ClusterNode clustered() {
    if (cluster == null) {
      throw Status.FAILED_PRECONDITION.withDescription("volume chap: this node is standalone; its "
          + "configuration file sets CHAP (iscsi.volumes)").asRuntimeException();
    }
    return cluster;
  }

  private static VolumeChapSetting shown(String name, VolumeChap c) {
    return VolumeChapSetting.newBuilder().setName(name).setUser(c.getUser()).setMutualUser(c.getMutualUser())
        .setVersion(c.getVersion()).build();
  }
}
