package org.snipblock.cluster;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.snipblock.cluster.proto.ConnectedRequest;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.proto.VolumeIoGrpc;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;

/**
 * Who is connected to a volume, cluster-wide: every node's doors serve every volume, so a rollback
 * asks each node in the membership view how many door handles it has open on it. A node out of
 * the view serves no one now; one that does not answer counts as connected (its clients unknown).
 */
final class VolumeConnections {
  private static final long DEADLINE_SECONDS = 10;

  private final ClusterNode node;

  VolumeConnections(ClusterNode node) {
    this.node = node;
  }

  /** Refuses (FAILED_PRECONDITION, naming the nodes) if any node has door handles open on the volume. */
  void refuseIfConnected(String volume) {
    Map<String, String> connected = new TreeMap<>();
    Set<String> view = node.view();
    for (NodeRecord n : node.metadata().nodes()) {
      if (!view.contains(n.getMember())) {
        continue;
      }
      try {
        int handles = n.getId().equals(node.nodeId()) ? node.doors().handles().count(volume)
            : VolumeIoGrpc.newBlockingStub(node.channelTo(n.getId()))
                .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
                .connected(ConnectedRequest.newBuilder().setVolume(volume).build()).getHandles();
        if (handles > 0) {
          connected.put(n.getId(), handles + " open handles");
        }
      } catch (RuntimeException e) {
        connected.put(n.getId(), "did not answer: " + e.getMessage());
      }
    }
    if (!connected.isEmpty()) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "volume " + volume + " is connected ("
          + String.join(", ", connected.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue()).toList())
          + "); disconnect its clients or use --force");
    }
  }
}
