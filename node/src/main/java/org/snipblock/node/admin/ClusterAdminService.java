package org.snipblock.node.admin;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import org.snipblock.cluster.ClusterNode;
import org.snipblock.cluster.ClusterStatus;
import org.snipblock.cluster.FailureSimulation;
import org.snipblock.cluster.NodeDrain;
import org.snipblock.cluster.Rebalancer;
import org.snipblock.node.admin.v1.ClusterAdminGrpc;
import org.snipblock.node.admin.v1.CopyMoveStatus;
import org.snipblock.node.admin.v1.DrainProgress;
import org.snipblock.node.admin.v1.NodeRequest;
import org.snipblock.node.admin.v1.RebalanceProgress;
import org.snipblock.node.admin.v1.RebalanceRequest;
import org.snipblock.node.admin.v1.RemoveNodeResponse;
import org.snipblock.node.admin.v1.SimulateRequest;
import org.snipblock.node.admin.v1.SimulateResponse;
import org.snipblock.node.admin.v1.SimulatedVolume;

/** The elastic cluster's admin calls: drain, undrain, remove a node, what-if reports, rebalance. Any node answers. */
public final class ClusterAdminService extends ClusterAdminGrpc.ClusterAdminImplBase {
  private final ClusterNode cluster;
  private final Rebalancer rebalancer;

  /** @param cluster null on a standalone node: every call is then refused */
  private final AdminCalls calls;

  public ClusterAdminService(ClusterNode cluster) {
    this.calls = new AdminCalls(cluster);
    this.cluster = cluster;
    this.rebalancer = cluster == null ? null : new Rebalancer(cluster);
  }

  @Override
  public void rebalance(RebalanceRequest req, StreamObserver<RebalanceProgress> out) {
    calls.answer(out, "rebalance", () -> {
      clustered();
      return RebalanceMessages.of(rebalancer.start(req.getDryRun()));
    });
  }

  @Override
  public void rebalanceStatus(RebalanceRequest req, StreamObserver<RebalanceProgress> out) {
    calls.answer(out, "rebalance status", () -> {
      clustered();
      return RebalanceMessages.of(rebalancer.progress().orElseThrow(() -> Status.NOT_FOUND
          .withDescription("no rebalance was started on this node").asRuntimeException()));
    });
  }

  @Override
  public void drainNode(NodeRequest req, StreamObserver<DrainProgress> out) {
    calls.answer(out, "drain node " + req.getId(), () -> progress(drains().drain(req.getId())));
  }

  @Override
  public void undrainNode(NodeRequest req, StreamObserver<DrainProgress> out) {
    calls.answer(out, "undrain node " + req.getId(), () -> progress(drains().undrain(req.getId())));
  }

  @Override
  public void drainStatus(NodeRequest req, StreamObserver<DrainProgress> out) {
    calls.answer(out, "drain status of " + req.getId(), () -> progress(drains().progress(req.getId())));
  }

  @Override
  public void removeNode(NodeRequest req, StreamObserver<RemoveNodeResponse> out) {
    calls.answer(out, "remove node " + req.getId(), () -> {
      drains().remove(req.getId());
      return RemoveNodeResponse.newBuilder().setNode(req.getId()).build();
    });
  }

  @Override
  public void simulate(SimulateRequest req, StreamObserver<SimulateResponse> out) {
    calls.answer(out, "simulate", () -> {
      FailureSimulation.Report r = clustered().simulate(req.getLevel(), req.getName());
      return SimulateResponse.newBuilder().setLevel(r.level()).setName(r.name()).addAllFailedNodes(r.failedNodes())
          .addAllUnavailable(volumes(r.unavailable())).addAllDegraded(volumes(r.degraded()))
          .setBytesToRereplicate(r.bytesToRereplicate()).setFreeBytesLeft(r.freeBytesLeft())
          .setCapacitySuffices(r.capacitySuffices()).addAllShortfalls(r.shortfalls()).build();
    });
  }

  private static List<SimulatedVolume> volumes(List<FailureSimulation.Volume> list) {
    return list.stream().map(v -> SimulatedVolume.newBuilder().setName(v.name()).setCopiesLeft(v.copiesLeft())
        .setMinCopies(v.minCopies()).setCopies(v.copies()).setPrimaryLost(v.primaryLost()).build()).toList();
  }

  static CopyMoveStatus move(ClusterStatus.Move m) {
    CopyMoveStatus.Builder b = CopyMoveStatus.newBuilder().setVolume(m.volume()).setSnippet(m.snippet())
        .setFrom(m.from()).setTo(m.to()).setStartedEpochMillis(m.startedMillis()).setSnippets(m.snippets())
        .setInSync(m.inSync());
    if (m.progress() != null) {
      b.setProgressKnown(true).setSnippetsDone(m.progress().snippetsDone())
          .setSnippetsTotal(m.progress().snippetsTotal())
          .setBytesCopied(m.progress().bytesCopied()).setProgressEpochMillis(m.progress().measuredAtMillis());
    }
    return b.build();
  }

  private static DrainProgress progress(NodeDrain.Progress p) {
    return DrainProgress.newBuilder().setNode(p.node()).setState(p.state()).setPrimaries(p.primaries())
        .setCopies(p.copies()).addAllMoving(p.moving().stream().map(ClusterAdminService::move).toList()).build();
  }

  private NodeDrain drains() {
    return clustered().drains();
  }

  private ClusterNode clustered() {
    if (cluster == null) {
      throw Status.FAILED_PRECONDITION.withDescription("this node is standalone, not in a cluster "
          + "(start it with --cluster-port PORT --join ...)").asRuntimeException();
    }
    return cluster;
  }
}
