package org.snipblock.node.admin;

import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import org.snipblock.cluster.ClusterNode;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.topology.FailureDomain;
import org.snipblock.cluster.topology.SiteList;
import org.snipblock.node.admin.v1.RedundancyGrpc;
import org.snipblock.node.admin.v1.SetRedundancyRequest;
import org.snipblock.node.admin.v1.SetRedundancyResponse;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;

/** The admin API's {@code Redundancy} service: a live volume's copies, min-copies, spread and sites. */
public final class RedundancyService extends RedundancyGrpc.RedundancyImplBase {
  private static final int DEFAULT_TIMEOUT_SECONDS = 600;
  private final ClusterNode cluster;

  /** @param cluster null on a standalone node: every call is refused */
  private final AdminCalls calls;

  public RedundancyService(ClusterNode cluster) {
    this.calls = new AdminCalls(cluster);
    this.cluster = cluster;
  }

  @Override
  public void setRedundancy(SetRedundancyRequest req, StreamObserver<SetRedundancyResponse> out) {
    calls.answer(out, "change the redundancy of " + req.getName(), () -> {
      if (cluster == null) {
        throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "copies and spread: this node is standalone "
            + "(one copy); start it with --cluster-port PORT --join ... to replicate");
      }
      VolumeRecord v = cluster.volumes().record(req.getName());
      int copies = req.getCopies() == 0 ? v.getCopies() : req.getCopies();
      int min = req.getMinCopies() == 0 ? Math.min(v.getMinCopies(), copies) : req.getMinCopies();
      FailureDomain spread;
      List<String> sites;
      try {
        spread = FailureDomain.parse(req.getSpread().isEmpty() ? v.getSpread() : req.getSpread());
        sites = req.getSites().isEmpty() ? v.getSitesList() : SiteList.parse(req.getSites());
      } catch (IllegalArgumentException e) {
        throw new VolumeAdminException(Reason.INVALID_ARGUMENT, e.getMessage());
      }
      int seconds = req.getTimeoutSeconds() == 0 ? DEFAULT_TIMEOUT_SECONDS : req.getTimeoutSeconds();
      return SetRedundancyResponse.newBuilder().setSummary(cluster.volumes().setRedundancy(req.getName(), copies, min,
          spread, sites, Duration.ofSeconds(seconds))).build();
    });
  }
}
