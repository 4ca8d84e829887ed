package org.snipblock.cluster.meta;

import static org.snipblock.cluster.meta.MetadataState.ok;
import static org.snipblock.cluster.meta.MetadataState.refuse;

import java.util.List;
import org.snipblock.cluster.proto.ChangePrimary;
import org.snipblock.cluster.proto.ConfirmPrimary;
import org.snipblock.cluster.proto.MarkStale;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.MetaResult;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.store.VolumeAdminException.Reason;

/** Handlers of the commands about a volume's primary and the state of its copies (epoch compare-and-sets). */
final class PrimaryCommands {
  private PrimaryCommands() {}

  static MetaResult changePrimary(MetaCommand cmd, MetadataState s) {
    ChangePrimary c = cmd.getChangePrimary();
    VolumeRecord v = s.volume(c.getName());
    if (v.getEpoch() != c.getExpectedEpoch()) {
      return refuse(Reason.FAILED_PRECONDITION, "volume " + c.getName() + " is at epoch " + v.getEpoch()
          + ", not " + c.getExpectedEpoch() + ": someone else changed its primary first");
    }
    if (StaleCopies.anywhere(v, c.getNewPrimary())) {
      return refuse(Reason.FAILED_PRECONDITION, "node " + c.getNewPrimary() + " holds a stale copy of "
          + c.getName() + " and cannot become its primary");
    }
    // The old primary may hold changes nobody acknowledged: it resyncs before it counts again.
    // A planned handover drained the old primary first: it holds exactly what the new one has.
    VolumeRecord moved = v.getPrimary().equals(c.getNewPrimary()) || c.getPlanned() ? v
        : StaleCopies.mark(v, v.getPrimary(), true, List.of());
    for (String behind : c.getStaleList()) {
      if (!behind.equals(c.getNewPrimary())) {
        moved = StaleCopies.mark(moved, behind, true, List.of());
      }
    }
    return s.store(moved.toBuilder().setPrimary(c.getNewPrimary()).setEpoch(v.getEpoch() + 1).build());
  }

  static MetaResult confirmPrimary(MetaCommand cmd, MetadataState s) {
    ConfirmPrimary c = cmd.getConfirmPrimary();
    VolumeRecord v = s.volumes.get(c.getName());
    if (v == null || v.getEpoch() != c.getEpoch() || !v.getPrimary().equals(c.getNode())) {
      return refuse(Reason.FAILED_PRECONDITION, c.getNode() + " is not the primary of " + c.getName()
          + " at epoch " + c.getEpoch());
    }
    return ok();
  }

  static MetaResult markStale(MetaCommand cmd, MetadataState s) {
    MarkStale m = cmd.getMarkStale();
    VolumeRecord v = s.volume(m.getName());
    if (v.getEpoch() != m.getEpoch()) {
      return refuse(Reason.FAILED_PRECONDITION, "volume " + m.getName() + " is at epoch " + v.getEpoch()
          + "; a primary of epoch " + m.getEpoch() + " may no longer change it");
    }
    VolumeRecord after = StaleCopies.mark(v, m.getNode(), m.getStale(), m.getSnippetsList());
    return after.equals(v) ? ok(v) : s.store(after);
  }
}
