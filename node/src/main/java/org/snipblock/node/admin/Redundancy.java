package org.snipblock.node.admin;

import io.grpc.Status;
import org.snipblock.cluster.RedundancyPolicy;
import org.snipblock.cluster.replica.ReplicationMode;
import org.snipblock.cluster.topology.FailureDomain;
import org.snipblock.cluster.topology.SiteList;
import org.snipblock.node.admin.v1.CreateVolumeRequest;

/**
 * The redundancy a create request asks for. Unset fields take the configured defaults; min-copies
 * unset means a majority of the copies asked for (all of them when the default is larger).
 */
final class Redundancy {
  private Redundancy() {}

  /** @throws IllegalArgumentException naming the bad value (mapped to INVALID_ARGUMENT) */
  static RedundancyPolicy of(CreateVolumeRequest req, RedundancyPolicy d) {
    int copies = req.getCopies() == 0 ? d.copies() : req.getCopies();
    int minCopies = req.getMinCopies() != 0 ? req.getMinCopies()
        : req.getCopies() == 0 ? d.minCopies() : copies / 2 + 1;
    FailureDomain spread = req.getSpread().isEmpty() ? d.spread() : FailureDomain.parse(req.getSpread());
    ReplicationMode mode = req.getMode().isEmpty() ? d.mode() : mode(req.getMode());
    return new RedundancyPolicy(copies, minCopies, spread, mode,
        req.getSites().isEmpty() ? java.util.List.of() : SiteList.parse(req.getSites()));
  }

  static ReplicationMode mode(String text) {
    return ReplicationMode.parse(text);
  }

  /** A standalone node keeps one copy; asking for more must not silently get less. */
  static void checkStandalone(CreateVolumeRequest req) {
    if (req.getCopies() > 1 || req.getMinCopies() > 1) {
      throw Status.FAILED_PRECONDITION.withDescription("volume " + req.getName() + ": " + req.getCopies()
          + " copies need a cluster; this node is standalone (start it with --cluster-port PORT --join ...)")
          .asRuntimeException();
    }
    if (!req.getSpread().isEmpty()) {
      FailureDomain.parse(req.getSpread());
    }
    if (!req.getSites().isEmpty()) {
      throw Status.FAILED_PRECONDITION.withDescription("volume " + req.getName() + ": sites need a cluster; this "
          + "node is standalone").asRuntimeException();
    }
    if (!req.getMode().isEmpty()) {
      mode(req.getMode());
    }
  }
}
