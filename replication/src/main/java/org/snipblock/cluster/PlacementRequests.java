package org.snipblock.cluster;

import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.topology.FailureDomain;
import org.snipblock.cluster.topology.PlacementPolicy;

/** What placement is asked for one stripe of a volume on record: its copies, spread and sites. */
final class PlacementRequests {
  private PlacementRequests() {}

  /**
   * @param primary     the node that serves the volume, or null to leave it out of the choice
   * @param stripeBytes space one copy of the stripe takes when fully written (at least 1 is asked)
   */
  static PlacementPolicy.Request of(VolumeRecord v, String primary, long stripeBytes) {
    return new PlacementPolicy.Request(v.getCopies(), FailureDomain.parse(v.getSpread()), primary,
        Math.max(1, stripeBytes), 1, v.getSitesList());
  }
}
