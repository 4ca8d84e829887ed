package org.snipblock.cluster;

import java.util.List;
import org.snipblock.cluster.replica.ReplicationMode;
import org.snipblock.cluster.topology.FailureDomain;
import org.snipblock.cluster.topology.SiteList;

/**
 * n:m redundancy of one volume.
 *
 * @param copies    copies of each snippet stored (n)
 * @param minCopies copies that must hold a write before SYNC acknowledges it, and that must be
 *                  reachable to serve (m)
 * @param spread    failure-domain level at which the copies must be distinct
 * @param mode      SYNC or ASYNC acknowledgement
 * @param sites     the sites the copies are kept in, each holding one of every snippet; empty = any
 */
public record RedundancyPolicy(int copies, int minCopies, FailureDomain spread, ReplicationMode mode,
    List<String> sites) {
  public RedundancyPolicy {
    sites = List.copyOf(sites);
    String misfit = SiteList.misfit(sites, sites, copies);
    if (misfit != null) {
      throw new IllegalArgumentException(misfit);
    }
    if (copies < 1 || copies > 16) {
      throw new IllegalArgumentException("copies must be 1-16, got " + copies);
    }
    if (minCopies < 1 || minCopies > copies) {
      throw new IllegalArgumentException("min-copies must be 1-" + copies + " (copies), got " + minCopies);
    }
    if (spread == null || mode == null) {
      throw new IllegalArgumentException("spread and mode are required");
    }
  }

  /** Copies in any site. */
  public RedundancyPolicy(int copies, int minCopies, FailureDomain spread, ReplicationMode mode) {
    this(copies, minCopies, spread, mode, List.of());
  }

  /** The same, kept in these sites. */
  public RedundancyPolicy in(List<String> at) {
    return new RedundancyPolicy(copies, minCopies, spread, mode, at);
  }

  /** Three copies in three compartments, two needed: survives losing any one compartment. */
  public static RedundancyPolicy defaults() {
    return new RedundancyPolicy(3, 2, FailureDomain.COMPARTMENT, ReplicationMode.SYNC);
  }

  /** n copies with a majority of them required. */
  public static RedundancyPolicy of(int copies, FailureDomain spread, ReplicationMode mode) {
    return new RedundancyPolicy(copies, copies / 2 + 1, spread, mode);
  }
}
