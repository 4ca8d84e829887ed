package org.snipblock.cluster.testing;

import java.util.ArrayList;
import java.util.List;
import org.jgroups.Address;
import org.jgroups.JChannel;
import org.jgroups.protocols.DISCARD;
import org.jgroups.protocols.TP;
import org.jgroups.stack.ProtocolStack;
import org.snipblock.cluster.ClusterNode;

/**
 * A cut on the cluster channel between two groups of nodes (JGroups DISCARD both ways); the data
 * path (gRPC) between them stays open, so only fencing keeps the cut-off side from writing.
 */
public final class Partition {
  private final List<DISCARD> inserted;

  private Partition(List<DISCARD> inserted) {
    this.inserted = inserted;
  }

  /** Drops, in both directions, all cluster-channel traffic between {@code side} and the rest. */
  public static Partition cut(List<ClusterNode> side, List<ClusterNode> rest) throws Exception {
    List<DISCARD> inserted = new ArrayList<>();
    for (ClusterNode a : side) {
      inserted.add(ignore(a, rest));
    }
    for (ClusterNode b : rest) {
      inserted.add(ignore(b, side));
    }
    return new Partition(inserted);
  }

  private static DISCARD ignore(ClusterNode at, List<ClusterNode> others) throws Exception {
    JChannel ch = at.membership().channel();
    DISCARD d = new DISCARD();
    ch.getProtocolStack().insertProtocol(d, ProtocolStack.Position.ABOVE, TP.class);
    for (ClusterNode o : others) {
      Address addr = o.membership().channel().getAddress();
      d.addIgnoreMember(addr);
    }
    return d;
  }

  /** Lets all traffic through again. */
  public void heal() {
    for (DISCARD d : inserted) {
      d.resetIgnoredMembers();
    }
  }
}
