package org.snipblock.node.daemon;

import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.snipblock.cluster.ClusterNode;
import org.snipblock.node.admin.v1.ExportUsageRequest;
import org.snipblock.node.admin.v1.UsageExport;
import org.snipblock.node.admin.v1.UsageGrpc;
import org.snipblock.node.usage.UsagePeers;

/**
 * The cluster's other nodes as the usage export asks them: through their replication ports (the
 * links between nodes, under {@code cluster.tls} when it is on), where each node answers with the
 * rows of its own usage log.
 */
final class ClusterUsagePeers implements UsagePeers {
  private final ClusterNode cluster;
  private final long waitMillis;

  ClusterUsagePeers(ClusterNode cluster, long waitMillis) {
    this.cluster = cluster;
    this.waitMillis = waitMillis;
  }

  @Override
  public List<String> nodes() {
    return cluster.peerIds();
  }

  @Override
  public CompletableFuture<UsageExport> ask(String node, ExportUsageRequest request) {
    CompletableFuture<UsageExport> answer = new CompletableFuture<>();
    try {
      UsageGrpc.newStub(cluster.peerChannel(node)).withDeadlineAfter(waitMillis, TimeUnit.MILLISECONDS)
          .exportUsage(request, new StreamObserver<>() {
            @Override
            public void onNext(UsageExport value) {
              answer.complete(value);
            }

            @Override
            public void onError(Throwable t) {
              answer.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
              answer.completeExceptionally(new IllegalStateException("node " + node + " answered nothing"));
            }
          });
    } catch (RuntimeException e) {
      answer.completeExceptionally(e);
    }
    return answer;
  }
}
