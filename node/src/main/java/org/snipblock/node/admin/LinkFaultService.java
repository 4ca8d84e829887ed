package org.snipblock.node.admin;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.HashSet;
import org.snipblock.cluster.ClusterNode;
import org.snipblock.cluster.follow.LinkFaults;
import org.snipblock.node.admin.v1.LinkFaultsGrpc;
import org.snipblock.node.admin.v1.LinkFaultsState;
import org.snipblock.node.admin.v1.SetLinkFaultsRequest;

/**
 * The admin API's {@code LinkFaults} service (TESTS ONLY): a fault schedule cuts and slows this
 * node's links at run time. Refused unless the node's config allows it ({@code cluster.sites.link-faults}).
 */
public final class LinkFaultService extends LinkFaultsGrpc.LinkFaultsImplBase {
  private final ClusterNode cluster;
  private final AdminCalls calls;

  /** @param cluster null on a standalone node: every call is refused */
  public LinkFaultService(ClusterNode cluster) {
    this.cluster = cluster;
    this.calls = new AdminCalls(cluster);
  }

  @Override
  public void setLinkFaults(SetLinkFaultsRequest req, StreamObserver<LinkFaultsState> out) {
    calls.answer(out, "set link faults", () -> {
      LinkFaults faults = faults();
      LinkFaults.State next;
      try {
        next = new LinkFaults.State(new HashSet<>(req.getCutList()), new HashSet<>(req.getSlowList()),
            Duration.ofMillis(req.getDelayMillis()));
        faults.set(next);
      } catch (IllegalArgumentException e) {
        throw Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
      }
      return LinkFaultsState.newBuilder().setNode(cluster.nodeId()).addAllCut(next.cut()).addAllSlow(next.slow())
          .setDelayMillis((int) next.delay().toMillis()).build();
    });
  }

  private LinkFaults faults() {
    if (cluster == null) {
      throw Status.FAILED_PRECONDITION.withDescription("link faults: this node is standalone, not in a cluster")
          .asRuntimeException();
    }
    return cluster.membership().linkFaults().orElseThrow(() -> Status.FAILED_PRECONDITION
        .withDescription("link faults are for tests only: this node's config does not allow them "
            + "(cluster.sites.link-faults: true)").asRuntimeException());
  }
}
