package org.snipblock.cluster.meta;

import static org.snipblock.cluster.meta.MetadataState.refuse;

import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.MetaResult;
import org.snipblock.cluster.proto.ReplaceCopies;
import org.snipblock.cluster.proto.SnippetPlacement;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.store.VolumeAdminException.Reason;

/** Handlers of the commands that change which nodes hold a stripe's copies. */
final class CopyCommands {
  private CopyCommands() {}

  /** New holders start stale; holders kept keep their stale mark. */
  static MetaResult replaceCopies(MetaCommand cmd, MetadataState s) {
    ReplaceCopies r = cmd.getReplaceCopies();
    VolumeRecord v = s.volume(r.getName());
    if (r.getSnippet() < 0 || r.getSnippet() >= v.getSnippetsCount()) {
      return refuse(Reason.INVALID_ARGUMENT, "volume " + r.getName() + " has no stripe " + r.getSnippet());
    }
    SnippetPlacement before = v.getSnippets((int) r.getSnippet());
    SnippetPlacement.Builder after = SnippetPlacement.newBuilder().addAllNodes(r.getNodesList())
        .setMode(before.getMode());
    before.getStaleList().stream().filter(r.getNodesList()::contains).forEach(after::addStale);
    SnippetPlacement placed = after.build();
    for (String added : r.getAddedList()) {
      placed = StaleCopies.mark(placed, added, true);
    }
    return s.store(v.toBuilder().setSnippets((int) r.getSnippet(), placed).build());
  }
}
