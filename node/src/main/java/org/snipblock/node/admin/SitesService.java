package org.snipblock.node.admin;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import org.snipblock.cluster.ClusterNode;
import java.time.Duration;
import org.snipblock.cluster.SiteFollowing;
import org.snipblock.cluster.SiteMigration;
import org.snipblock.node.admin.v1.MigrateVolumeRequest;
import org.snipblock.node.admin.v1.MigrateVolumeResponse;
import org.snipblock.node.admin.v1.CatchUpVolumeRequest;
import org.snipblock.node.admin.v1.MovePrimaryRequest;
import org.snipblock.node.admin.v1.MovePrimaryResponse;
import org.snipblock.node.admin.v1.SetVolumeConsumerRequest;
import org.snipblock.node.admin.v1.SetVolumeModeAutoRequest;
import org.snipblock.node.admin.v1.SiteChange;
import org.snipblock.node.admin.v1.SitesGrpc;

/** The admin API's {@code Sites} service: storage that follows its consumer (see {@link SiteFollowing}). */
public final class SitesService extends SitesGrpc.SitesImplBase {
  private final ClusterNode cluster;

  /** @param cluster null on a standalone node: every call is refused */
  private final AdminCalls calls;

  public SitesService(ClusterNode cluster) {
    this.calls = new AdminCalls(cluster);
    this.cluster = cluster;
  }

  @Override
  public void setVolumeConsumer(SetVolumeConsumerRequest req, StreamObserver<SiteChange> out) {
    calls.answer(out, "set the consumer of volume " + req.getName(), () -> {
      following("volume set --consumer").setConsumer(req.getName(), req.getConsumer().trim());
      return SiteChange.newBuilder().setVolume(req.getName()).build();
    });
  }

  @Override
  public void setVolumeModeAuto(SetVolumeModeAutoRequest req, StreamObserver<SiteChange> out) {
    calls.answer(out, "put the mode of volume " + req.getName() + " under automatic control", () -> {
      following("volume set --mode auto").autoMode(req.getName());
      return SiteChange.newBuilder().setVolume(req.getName()).build();
    });
  }

  @Override
  public void catchUpVolume(CatchUpVolumeRequest req, StreamObserver<SiteChange> out) {
    calls.answer(out, "catch-up of volume " + req.getName(), () -> {
      following("volume catch-up").catchUp(req.getName(), req.getStart());
      return SiteChange.newBuilder().setVolume(req.getName()).build();
    });
  }

  @Override
  public void movePrimaryToConsumer(MovePrimaryRequest req, StreamObserver<MovePrimaryResponse> out) {
    calls.answer(out, "move primary of volume " + req.getName() + " toward its consumer",
        () -> HandoverMessages.of(following("move-primary").moveTowardConsumer(req.getName())));
  }

  @Override
  public void migrateVolume(MigrateVolumeRequest req, StreamObserver<MigrateVolumeResponse> out) {
    calls.answer(out, "migrate volume " + req.getName() + " to site " + req.getToSite(), () -> {
      SiteMigration.Result r = following("volume migrate").migrate(req.getName(), req.getToSite().trim(),
          req.getCatchUpSeconds() == 0 ? SiteMigration.CATCH_UP_BOUND
              : Duration.ofSeconds(req.getCatchUpSeconds()));
      return MigrateVolumeResponse.newBuilder().addAllSteps(r.steps()).setHandover(HandoverMessages.of(r.handover()))
          .build();
    });
  }

  private SiteFollowing following(String what) {
    if (cluster == null) {
      throw Status.FAILED_PRECONDITION.withDescription(what + ": this node is standalone, not in a cluster "
          + "(start it with --cluster-port PORT --join ...)").asRuntimeException();
    }
    return cluster.following();
  }
}
