package org.snipblock.cluster.meta;

import static org.snipblock.cluster.meta.MetadataState.refuse;

import java.util.ArrayList;
import java.util.List;
import org.snipblock.cluster.proto.CopyMoving;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.MetaResult;
import org.snipblock.cluster.proto.MoveCopy;
import org.snipblock.cluster.proto.SnippetPlacement;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;

/**
 * The handler of {@link MoveCopy}: the guard that a copy leaves its node only once its new home is
 * in sync, so a stripe never has fewer in-sync copies than before during a move.
 */
final class CopyMoves {
  private CopyMoves() {}

  static MetaResult apply(MetaCommand cmd, MetadataState s) {
    MoveCopy m = cmd.getMoveCopy();
    VolumeRecord v = s.volume(m.getName());
    if (m.getSnippet() < 0 || m.getSnippet() >= v.getSnippetsCount()) {
      return refuse(Reason.INVALID_ARGUMENT, "volume " + m.getName() + " has no stripe " + m.getSnippet());
    }
    int i = (int) m.getSnippet();
    SnippetPlacement p = v.getSnippets(i);
    return switch (m.getStep()) {
      case BEGIN -> begin(s, v, m, p);
      case FINISH -> finish(s, v, m, p);
      case ABORT -> abort(s, v, m, p);
      case UNRECOGNIZED -> refuse(Reason.INVALID_ARGUMENT, "unknown step of a copy move");
    };
  }

  private static MetaResult begin(MetadataState s, VolumeRecord v, MoveCopy m, SnippetPlacement p) {
    s.node(m.getTo());
    if (!p.getNodesList().contains(m.getFrom())) {
      return refuse(Reason.FAILED_PRECONDITION, what(m) + ": " + m.getFrom() + " holds no copy of it");
    }
    if (moving(v, m) != null) {
      return MetadataState.ok(v);
    }
    if (p.getNodesList().contains(m.getTo())) {
      return refuse(Reason.FAILED_PRECONDITION, what(m) + ": " + m.getTo() + " already holds a copy of it");
    }
    SnippetPlacement added = StaleCopies.mark(p.toBuilder().addNodes(m.getTo()).build(), m.getTo(), true);
    return s.store(v.toBuilder().setSnippets((int) m.getSnippet(), added).addMoving(CopyMoving.newBuilder()
        .setSnippet(m.getSnippet()).setFrom(m.getFrom()).setTo(m.getTo()).setStartedMillis(m.getStartedMillis()))
        .build());
  }

  private static MetaResult finish(MetadataState s, VolumeRecord v, MoveCopy m, SnippetPlacement p) {
    if (!p.getNodesList().contains(m.getTo()) || p.getStaleList().contains(m.getTo())) {
      return refuse(Reason.FAILED_PRECONDITION, what(m) + ": the copy on " + m.getTo()
          + " is not in sync yet; " + m.getFrom() + " keeps its copy until it is");
    }
    if (m.getFrom().equals(v.getPrimary())) {
      return refuse(Reason.FAILED_PRECONDITION, what(m) + ": " + m.getFrom()
          + " is the volume's primary; hand the primary over first");
    }
    List<String> nodes = new ArrayList<>(p.getNodesList());
    nodes.remove(m.getFrom());
    SnippetPlacement after = StaleCopies.mark(p.toBuilder().clearNodes().addAllNodes(nodes).build(), m.getFrom(),
        false);
    return s.store(without(v, m).toBuilder().setSnippets((int) m.getSnippet(), after).build());
  }

  private static MetaResult abort(MetadataState s, VolumeRecord v, MoveCopy m, SnippetPlacement p) {
    if (moving(v, m) == null) {
      return MetadataState.ok(v);
    }
    List<String> nodes = new ArrayList<>(p.getNodesList());
    nodes.remove(m.getTo());
    SnippetPlacement after = StaleCopies.mark(p.toBuilder().clearNodes().addAllNodes(nodes).build(), m.getTo(),
        false);
    return s.store(without(v, m).toBuilder().setSnippets((int) m.getSnippet(), after).build());
  }

  private static CopyMoving moving(VolumeRecord v, MoveCopy m) {
    return v.getMovingList().stream().filter(c -> c.getSnippet() == m.getSnippet() && c.getFrom().equals(m.getFrom())
        && c.getTo().equals(m.getTo())).findFirst().orElse(null);
  }

  private static VolumeRecord without(VolumeRecord v, MoveCopy m) {
    CopyMoving c = moving(v, m);
    if (c == null) {
      return v;
    }
    List<CopyMoving> rest = new ArrayList<>(v.getMovingList());
    rest.remove(c);
    return v.toBuilder().clearMoving().addAllMoving(rest).build();
  }

  /** The record without the moves one of whose ends no longer holds the stripe (the same record if none). */
  static VolumeRecord withoutStrandedMoves(VolumeRecord v) {
    List<CopyMoving> kept = v.getMovingList().stream().filter(c -> c.getSnippet() >= 0
        && c.getSnippet() < v.getSnippetsCount() && v.getSnippets((int) c.getSnippet()).getNodesList().contains(c.getFrom())
        && v.getSnippets((int) c.getSnippet()).getNodesList().contains(c.getTo())).toList();
    return kept.size() == v.getMovingCount() ? v : v.toBuilder().clearMoving().addAllMoving(kept).build();
  }

  private static String what(MoveCopy m) {
    return "moving stripe " + m.getSnippet() + " of " + m.getName() + " from " + m.getFrom() + " to " + m.getTo();
  }

  /** For other handlers: refuses when a node is still named by any volume. */
  static void refuseIfHolding(MetadataState s, String id) {
    for (VolumeRecord v : s.volumes.values()) {
      if (v.getPrimary().equals(id)) {
        throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "node " + id + " is still the primary of "
            + v.getName() + "; drain it first (node drain " + id + ")");
      }
      long held = v.getSnippetsList().stream().filter(p -> p.getNodesList().contains(id)).count();
      if (held > 0) {
        throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "node " + id + " still holds " + held
            + (held == 1 ? " stripe copy of " : " stripe copies of ") + v.getName() + "; drain it first (node drain "
            + id + ")");
      }
    }
  }
}
