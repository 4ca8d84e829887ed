package org.snipblock.cluster;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.snipblock.cluster.proto.ConnectedReply;
import org.snipblock.cluster.proto.ConnectedRequest;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.proto.VolumeIoGrpc;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who is connected to a volume, cluster-wide: every node's doors serve every volume, so a rollback
 * asks each node in the membership view how many door handles it has open on it, and then waits for
 * each to fail the handles opened before it. A node out of the view serves no one now; one that
 * does not answer counts as connected (its clients unknown).
 */
final class VolumeConnections {
  private static final Logger log = LoggerFactory.getLogger(VolumeConnections.class);
  private static final long DEADLINE_SECONDS = 10;

  private final ClusterNode node;

  VolumeConnections(ClusterNode node) {
    this.node = node;
  }

  /** Refuses (FAILED_PRECONDITION, naming the nodes) if any node has door handles open on the volume. */
  void refuseIfConnected(String volume) {
    Map<String, String> connected = new TreeMap<>();
    for (NodeRecord n : inView()) {
      try {
        int handles = ask(n, volume).getHandles();
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

  /**
   * Waits (bounded) until every node in view checks its door handles against {@code incarnation},
   * so that once the rollback runs no handle opened before it is served anywhere, and one opened
   * after it is not failed for having been opened too early. A node that does not answer in time
   * is logged and left: it applies the change when it catches up with the metadata.
   */
  void awaitApplied(String volume, long incarnation) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
    for (NodeRecord n : inView()) {
      while (true) {
        try {
          if (ask(n, volume).getIncarnation() >= incarnation) {
            break;
          }
        } catch (RuntimeException e) {
          log.warn("volume {}: node {} did not say whether it applied the rollback's incarnation: {}", volume,
              n.getId(), e.toString());
          break;
        }
        if (System.nanoTime() > deadline) {
          log.warn("volume {}: node {} has not applied incarnation {} yet; its doors fail old handles once it has",
              volume, n.getId(), incarnation);
          break;
        }
        java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      }
    }
  }

  private java.util.List<NodeRecord> inView() {
    Set<String> view = node.view();
    return node.metadata().nodes().stream().filter(n -> view.contains(n.getMember())).toList();
  }

  private ConnectedReply ask(NodeRecord n, String volume) {
    if (n.getId().equals(node.nodeId())) {
      long known = node.metadata().volume(volume).map(VolumeRecord::getIncarnation).orElse(0L);
      return ConnectedReply.newBuilder().setHandles(node.doors().handles().count(volume))
          .setIncarnation(node.doors().handles().incarnation(volume, known)).build();
    }
    return VolumeIoGrpc.newBlockingStub(node.channelTo(n.getId())).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
        .connected(ConnectedRequest.newBuilder().setVolume(volume).build());
  }
}
