package org.snipblock.cluster.meta;

import static org.snipblock.cluster.meta.MetadataState.refuse;

import java.util.ArrayList;
import java.util.List;
import org.snipblock.cluster.proto.CopyMoving;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.MetaResult;
import org.snipblock.cluster.proto.RetargetMove;
import org.snipblock.cluster.proto.SnippetPlacement;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.store.VolumeAdminException.Reason;

/**
 * The handler of {@link RetargetMove}: a copy move whose target is gone goes on to another node in
 * one step, so there is no moment at which the move is neither here nor there (its driver follows
 * it, see {@code CopyMove}). The old target was a stale holder and never counted; the source keeps
 * its copy until the new target is in sync, as for any move.
 */
final class MoveRetargets {
  private MoveRetargets() {}

  static MetaResult apply(MetaCommand cmd, MetadataState s) {
    RetargetMove m = cmd.getRetargetMove();
    VolumeRecord v = s.volume(m.getName());
    if (m.getSnippet() < 0 || m.getSnippet() >= v.getSnippetsCount()) {
      return refuse(Reason.INVALID_ARGUMENT, "volume " + m.getName() + " has no stripe " + m.getSnippet());
    }
    s.node(m.getNewTo());
    if (find(v, m, m.getNewTo()) != null) {
      return MetadataState.ok(v);
    }
    CopyMoving old = find(v, m, m.getTo());
    String what = "moving stripe " + m.getSnippet() + " of " + m.getName() + " from " + m.getFrom();
    if (old == null) {
      return refuse(Reason.FAILED_PRECONDITION, what + " to " + m.getTo() + " is not under way");
    }
    int i = (int) m.getSnippet();
    SnippetPlacement p = v.getSnippets(i);
    if (p.getNodesList().contains(m.getNewTo())) {
      return refuse(Reason.FAILED_PRECONDITION, what + ": " + m.getNewTo() + " already holds a copy of it");
    }
    List<String> nodes = new ArrayList<>(p.getNodesList());
    nodes.remove(m.getTo());
    nodes.add(m.getNewTo());
    SnippetPlacement after = StaleCopies.mark(StaleCopies.mark(p.toBuilder().clearNodes().addAllNodes(nodes).build(),
        m.getTo(), false), m.getNewTo(), true);
    List<CopyMoving> moving = new ArrayList<>(v.getMovingList());
    moving.set(moving.indexOf(old), CopyMoving.newBuilder().setSnippet(m.getSnippet()).setFrom(m.getFrom())
        .setTo(m.getNewTo()).setStartedMillis(m.getStartedMillis()).build());
    return s.store(v.toBuilder().setSnippets(i, after).clearMoving().addAllMoving(moving).build());
  }

  private static CopyMoving find(VolumeRecord v, RetargetMove m, String to) {
    return v.getMovingList().stream().filter(c -> c.getSnippet() == m.getSnippet() && c.getFrom().equals(m.getFrom())
        && c.getTo().equals(to)).findFirst().orElse(null);
  }
}
