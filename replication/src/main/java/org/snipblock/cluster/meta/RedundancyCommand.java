package org.snipblock.cluster.meta;

import static org.snipblock.cluster.meta.MetadataState.refuse;

import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.MetaResult;
import org.snipblock.cluster.proto.SetRedundancy;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.topology.FailureDomain;
import org.snipblock.cluster.topology.SiteList;
import org.snipblock.store.VolumeAdminException.Reason;

/** The handler of {@link SetRedundancy}: a live volume's copies, min-copies, spread and sites, checked as at create. */
final class RedundancyCommand {
  private RedundancyCommand() {}

  static MetaResult apply(MetaCommand cmd, MetadataState s) {
    SetRedundancy r = cmd.getSetRedundancy();
    VolumeRecord v = s.volume(r.getName());
    if (r.getCopies() < 1 || r.getMinCopies() < 1 || r.getMinCopies() > r.getCopies()) {
      return refuse(Reason.INVALID_ARGUMENT, "volume " + r.getName() + ": copies " + r.getCopies() + " and min-copies "
          + r.getMinCopies() + " must be 1 <= min-copies <= copies");
    }
    try {
      FailureDomain.parse(r.getSpread());
      if (!r.getSitesList().isEmpty()) {
        SiteList.parse(String.join(",", r.getSitesList()));
      }
    } catch (IllegalArgumentException e) {
      return refuse(Reason.INVALID_ARGUMENT, e.getMessage());
    }
    if (r.getSitesCount() > r.getCopies()) {
      return refuse(Reason.INVALID_ARGUMENT, "volume " + r.getName() + ": " + r.getSitesCount() + " sites need as "
          + "many copies at least, not " + r.getCopies());
    }
    VolumeRecord after = v.toBuilder().setCopies(r.getCopies()).setMinCopies(r.getMinCopies()).setSpread(r.getSpread())
        .clearSites().addAllSites(r.getSitesList()).build();
    return after.equals(v) ? MetadataState.ok(v) : s.store(after);
  }
}
