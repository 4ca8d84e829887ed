package org.snipblock.cluster;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.snipblock.cluster.meta.Stripes;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.proto.SnippetPlacement;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.topology.FailureDomain;
import org.snipblock.cluster.topology.Location;
import org.snipblock.cluster.topology.NodeDescriptor;
import org.snipblock.cluster.topology.NodeState;
import org.snipblock.cluster.topology.PlacementException;
import org.snipblock.cluster.topology.PlacementPolicy;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;

/**
 * {@code cluster simulate --fail LEVEL NAME}: what would happen if a node, rack, compartment or site
 * failed now, computed from the metadata alone and changing nothing. Nodes already down count as
 * failed too. A volume becomes unavailable when some snippet keeps fewer in-sync reachable copies
 * than its min-copies (a write needs that many), or when its primary fails and no surviving in-sync
 * node holds every snippet to take over; it loses redundancy when some snippet keeps fewer than its
 * copies. The bytes to re-replicate are one snippet per missing copy; whether they fit is asked of
 * the placement policy, snippet by snippet, as the caretaker would.
 */
public final class FailureSimulation {
  private final PlacementPolicy placement;

  public FailureSimulation(PlacementPolicy placement) {
    this.placement = placement;
  }

  /** One volume's fate. */
  public record Volume(String name, int copiesLeft, int minCopies, int copies, boolean primaryLost) {}

  public record Report(String level, String name, List<String> failedNodes, List<Volume> unavailable,
      List<Volume> degraded, long bytesToRereplicate, long freeBytesLeft, boolean capacitySuffices,
      List<String> shortfalls) {}

  /**
   * @param level node|rack|compartment|site
   * @param name  a node id, or the domain's name (a compartment as COMPARTMENT or SITE/COMPARTMENT...)
   */
  public Report simulate(Collection<NodeRecord> nodes, Set<String> view, Collection<VolumeRecord> volumes,
      String level, String name) {
    List<String> failed = failing(nodes, level, name);
    Set<String> gone = new TreeSet<>(failed);
    List<NodeDescriptor> after = new ArrayList<>();
    for (NodeDescriptor d : NodeStates.descriptors(nodes, view)) {
      if (d.state() == NodeState.DOWN) {
        gone.add(d.id());
      }
      after.add(gone.contains(d.id()) ? d.withState(NodeState.DOWN) : d);
    }
    List<Volume> unavailable = new ArrayList<>();
    List<Volume> degraded = new ArrayList<>();
    List<String> shortfalls = new ArrayList<>();
    long bytes = 0;
    for (VolumeRecord v : volumes) {
      int left = Integer.MAX_VALUE;
      for (SnippetPlacement s : v.getSnippetsList()) {
        left = Math.min(left, inSyncLeft(s, gone));
      }
      left = left == Integer.MAX_VALUE ? v.getCopies() : left;
      boolean primaryLost = gone.contains(v.getPrimary());
      Volume fate = new Volume(v.getName(), left, v.getMinCopies(), v.getCopies(), primaryLost);
      if (left < v.getMinCopies() || (primaryLost && !successorExists(v, gone))) {
        unavailable.add(fate);
      } else if (left < v.getCopies() || primaryLost) {
        degraded.add(fate);
      }
      bytes += rereplicate(v, gone, after, shortfalls);
    }
    long free = after.stream().filter(d -> d.state() == NodeState.UP).mapToLong(NodeDescriptor::freeBytes).sum();
    return new Report(level, name, failed, unavailable, degraded, bytes, free, shortfalls.isEmpty() && bytes <= free,
        shortfalls);
  }

  private static int inSyncLeft(SnippetPlacement s, Set<String> gone) {
    return (int) s.getNodesList().stream().filter(h -> !gone.contains(h) && !s.getStaleList().contains(h)).count();
  }

  private static boolean successorExists(VolumeRecord v, Set<String> gone) {
    if (v.getSnippetsCount() == 0) {
      return false;
    }
    Set<String> candidates = new TreeSet<>(v.getSnippets(0).getNodesList());
    for (SnippetPlacement s : v.getSnippetsList()) {
      candidates.retainAll(s.getNodesList());
      candidates.removeAll(s.getStaleList());
    }
    candidates.removeAll(gone);
    return !candidates.isEmpty();
  }

  /** Bytes to copy (at most: volumes are thin) for the volume's missing copies; records why a stripe's copies cannot be placed. */
  private long rereplicate(VolumeRecord v, Set<String> gone, List<NodeDescriptor> after, List<String> shortfalls) {
    long bytes = 0;
    String shortfall = null;
    for (int i = 0; i < v.getSnippetsCount(); i++) {
      List<String> surviving = v.getSnippets(i).getNodesList().stream().filter(h -> !gone.contains(h)).toList();
      int missing = v.getCopies() - surviving.size();
      if (missing <= 0 || surviving.isEmpty()) {
        continue;   // nothing lost, or nothing left to copy from
      }
      long stripeBytes = Stripes.bytesOf(v, i);
      bytes += missing * stripeBytes;
      try {
        List<String> added = placement.replace(after, PlacementRequests.of(v, null, stripeBytes),
            surviving);
        promise(after, added, stripeBytes);
      } catch (PlacementException e) {
        shortfall = shortfall == null ? "volume " + v.getName() + " stripe " + i + ": " + e.getMessage() : shortfall;
      }
    }
    if (shortfall != null) {
      shortfalls.add(shortfall);
    }
    return bytes;
  }

  private static void promise(List<NodeDescriptor> nodes, List<String> ids, long bytes) {
    for (int i = 0; i < nodes.size(); i++) {
      NodeDescriptor d = nodes.get(i);
      if (ids.contains(d.id())) {
        nodes.set(i, d.withUsage(d.capacityBytes(), d.usedBytes() + bytes, d.load()));
      }
    }
  }

  private static List<String> failing(Collection<NodeRecord> nodes, String level, String name) {
    if (name == null || name.isBlank()) {
      throw new VolumeAdminException(Reason.INVALID_ARGUMENT, "which " + level + "? give its name");
    }
    String word = level == null ? "" : level.trim().toLowerCase(Locale.ROOT);
    if (!Set.of("node", "rack", "compartment", "site").contains(word)) {
      throw new VolumeAdminException(Reason.INVALID_ARGUMENT, "unknown failure level '" + level
          + "': expected node|rack|compartment|site");
    }
    List<String> out = new ArrayList<>();
    Set<String> known = new TreeSet<>();
    for (NodeRecord n : nodes) {
      Location l = Location.parse(n.getLocation());
      String own = switch (word) {
        case "node" -> n.getId();
        case "rack" -> l.rack();
        case "compartment" -> l.compartment();
        default -> l.site();
      };
      String full = word.equals("node") ? own : l.domain(FailureDomain.parse(word));
      known.add(own);
      if (own.equals(name) || full.equals(name)) {
        out.add(n.getId());
      }
    }
    if (out.isEmpty()) {
      throw new VolumeAdminException(Reason.NOT_FOUND, "no " + word + " named " + name + " in the cluster (known: "
          + String.join(", ", known) + ")");
    }
    return out;
  }
}
