package org.snipblock.node.admin;

import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;
import org.snipblock.cluster.ClusterNode;
import org.snipblock.cluster.meta.QosCommand;
import org.snipblock.cluster.proto.VolumeRecord;
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

  /** Exactly one of the two is set. */
  private final ClusterNode cluster;
  private final StandaloneQos standalone;

  public QosService(ClusterNode cluster, StandaloneQos standalone) {
    this.cluster = cluster;
    this.standalone = standalone;
  }

  @Override
  public void setVolumeQos(SetVolumeQosRequest req, StreamObserver<VolumeQos> out) {
    answer(out, "set the limits of " + req.getName(), () -> {
      QosLimits limits = QosLimits.parse(req.getQos());
      QosLimits now = cluster != null ? cluster.volumes().setQos(req.getName(), limits)
          : standalone.set(req.getName(), limits);
      log.info("volume {}: QoS limits {}", req.getName(), now.text());
      return show(req.getName());
    });
  }

  @Override
  public void showVolumeQos(ShowVolumeQosRequest req, StreamObserver<VolumeQos> out) {
    answer(out, "show the limits of " + req.getName(), () -> show(req.getName()));
  }

  private VolumeQos show(String name) {
    VolumeQos.Builder b = VolumeQos.newBuilder().setName(name);
    if (standalone != null) {
      return state(b, standalone.state(name)).build();
    }
    VolumeRecord v = cluster.volumes().record(name)
        .orElseThrow(() -> new VolumeAdminException(Reason.NOT_FOUND, "no volume named " + name));
    b.setLimits(QosCommand.limits(v).text()).setPrimary(v.getPrimary());
    cluster.qosState(name).ifPresent(s -> state(b, s));
    return b.build();
  }

  private static VolumeQos.Builder state(VolumeQos.Builder b, QosState s) {
    return b.setLimits(s.limits().text()).setStateKnown(true).setThrottled(s.throttled()).setWaiting(s.waiting())
        .setDelayed(s.delayed());
  }

  private static <T> void answer(StreamObserver<T> out, String what, Supplier<T> call) {
    T result;
    try {
      result = call.get();
    } catch (RuntimeException e) {
      out.onError(AdminService.toStatus(what, e));
      return;
    }
    out.onNext(result);
    out.onCompleted();
  }
}
