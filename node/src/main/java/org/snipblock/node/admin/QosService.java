package org.snipblock.node.admin;

import io.grpc.stub.StreamObserver;
import org.snipblock.cluster.ClusterNode;
import org.snipblock.cluster.ClusterQos;
import org.snipblock.node.admin.v1.QosGrpc;
import org.snipblock.node.admin.v1.SetVolumeQosRequest;
import org.snipblock.node.admin.v1.ShowVolumeQosRequest;
import org.snipblock.node.admin.v1.VolumeQos;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;
import org.snipblock.store.qos.QosLimits;
import org.snipblock.store.qos.QosState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The admin API's QoS calls: a volume's limits, on a cluster in its metadata record, standalone in the store. */
public final class QosService extends QosGrpc.QosImplBase {
  private static final Logger log = LoggerFactory.getLogger(QosService.class);

  /** At most one of the two is set (neither: a node over a volume manager of its own, in tests: no QoS). */
  private final ClusterNode cluster;
  private final StandaloneQos standalone;

  private final AdminCalls calls;

  public QosService(ClusterNode cluster, StandaloneQos standalone) {
    this.calls = new AdminCalls(cluster);
    this.cluster = cluster;
    this.standalone = standalone;
  }

  @Override
  public void setVolumeQos(SetVolumeQosRequest req, StreamObserver<VolumeQos> out) {
    calls.answer(out, "set the limits of " + req.getName(), () -> {
      QosLimits limits = req.getQos().isEmpty() ? null : QosLimits.parse(req.getQos());
      show(req.getName());
      String group = req.getSetGroup() ? req.getGroup() : null;
      if (cluster != null) {
        cluster.volumes().setQos(req.getName(), limits, group);
      } else {
        standalone.set(req.getName(), limits, group);
      }
      VolumeQos now = show(req.getName());
      log.info("volume {}: QoS limits {}{}", req.getName(), now.getLimits(),
          now.getGroup().isEmpty() ? "" : " (group " + now.getGroup() + ")");
      return now;
    });
  }

  @Override
  public void showVolumeQos(ShowVolumeQosRequest req, StreamObserver<VolumeQos> out) {
    calls.answer(out, "show the limits of " + req.getName(), () -> show(req.getName()));
  }

  private VolumeQos show(String name) {
    return describe(cluster, standalone, name);
  }

  /** A volume's limits and, where this node throttles it, its throttle's state (also for the dashboard). */
  public static VolumeQos describe(ClusterNode cluster, StandaloneQos standalone, String name) {
    if (cluster == null && standalone == null) {
      throw io.grpc.Status.FAILED_PRECONDITION.withDescription("this node's volumes have no QoS").asRuntimeException();
    }
    VolumeQos.Builder b = VolumeQos.newBuilder().setName(name);
    if (standalone != null) {
      StandaloneQos.Shown s = standalone.show(name);
      return state(b.setGroup(s.setting().group()).addAllMembers(s.members()), s.throttle().state()).build();
    }
    ClusterQos.View v = cluster.qos().view(name)
        .orElseThrow(() -> new VolumeAdminException(Reason.NOT_FOUND, "no volume named " + name));
    b.setLimits(v.limits().text()).setPrimary(v.primary()).setGroup(v.group()).addAllMembers(v.members());
    v.state().ifPresent(s -> state(b, s));
    return b.build();
  }

  private static VolumeQos.Builder state(VolumeQos.Builder b, QosState s) {
    return b.setLimits(s.limits().text()).setStateKnown(true).setThrottled(s.throttled()).setWaiting(s.waiting())
        .setDelayed(s.delayed());
  }
}
