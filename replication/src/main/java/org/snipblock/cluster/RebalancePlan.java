package org.snipblock.cluster;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.snipblock.cluster.meta.Stripes;
import org.snipblock.cluster.proto.SnippetPlacement;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.topology.FailureDomain;
import org.snipblock.cluster.topology.NodeDescriptor;
import org.snipblock.cluster.topology.NodeState;
import org.snipblock.cluster.topology.PlacementException;
import org.snipblock.cluster.topology.PlacementPolicy;

/**
 * Which copies to move so that the nodes in service fill evenly, computed from the metadata alone:
 * a node's fill is the bytes of the placement entries it holds over its capacity (what it will
 * hold once written, so a newcomer counts as empty at once, and every planned move counts at
 * once). Greedy: while some copy on a node above the mean can go to a node below it and bring the
 * two closer, it moves; the placement policy must accept the target (the entry's copies stay in
 * distinct domains at the volume's spread, the target has the space). A primary's copy stays (it
 * moves with a handover, not here), as do copies of volumes with a move under way.
 */
public final class RebalancePlan {
  /** No plan moves more copies than this at once; asking again continues. */
  static final int MAX_MOVES = 256;

  /** One copy to move: entry {@code entry} of the volume's placement (every snippet it places). */
  public record Move(String volume, int entry, String from, String to, long bytes) {}

  /** A node in service with the bytes its entries take now and after the plan. */
  public record Fill(String node, long capacityBytes, long placedBytes, long plannedBytes) {}

  public record Result(List<Move> moves, List<Fill> nodes) {}

  private RebalancePlan() {}

  static Result compute(List<NodeDescriptor> nodes, List<VolumeRecord> volumes, PlacementPolicy placement) {
    Map<String, NodeDescriptor> up = new LinkedHashMap<>();
    nodes.stream().filter(n -> n.state() == NodeState.UP && n.capacityBytes() > 0).forEach(n -> up.put(n.id(), n));
    Map<String, Long> placed = placedBytes(volumes);
    Map<String, List<List<String>>> holders = new HashMap<>();
    for (VolumeRecord v : volumes) {
      List<List<String>> entries = new ArrayList<>();
      for (int e = 0; e < v.getSnippetsCount(); e++) {
        entries.add(new ArrayList<>(v.getSnippets(e).getNodesList()));
      }
      holders.put(v.getName(), entries);
    }
    Map<String, Long> before = new HashMap<>(placed);
    List<Move> moves = new ArrayList<>();
    while (moves.size() < MAX_MOVES) {
      Move next = nextMove(nodes, up, volumes, holders, placed, placement);
      if (next == null) {
        break;
      }
      moves.add(next);
      List<String> h = holders.get(next.volume()).get(next.entry());
      h.set(h.indexOf(next.from()), next.to());
      placed.merge(next.from(), -next.bytes(), Long::sum);
      placed.merge(next.to(), next.bytes(), Long::sum);
    }
    List<Fill> fills = up.values().stream().map(n -> new Fill(n.id(), n.capacityBytes(),
        before.getOrDefault(n.id(), 0L), placed.getOrDefault(n.id(), 0L))).toList();
    return new Result(moves, fills);
  }

  /** The bytes of the placement entries each node holds (what it will hold once they are written). */
  static Map<String, Long> placedBytes(List<VolumeRecord> volumes) {
    Map<String, Long> placed = new HashMap<>();
    for (VolumeRecord v : volumes) {
      for (int e = 0; e < v.getSnippetsCount(); e++) {
        for (String n : v.getSnippets(e).getNodesList()) {
          placed.merge(n, Stripes.bytesOf(v, e), Long::sum);
        }
      }
    }
    return placed;
  }

  private static Move nextMove(List<NodeDescriptor> nodes, Map<String, NodeDescriptor> up, List<VolumeRecord> volumes,
      Map<String, List<List<String>>> holders, Map<String, Long> placed, PlacementPolicy placement) {
    Comparator<String> byFill = Comparator.comparingDouble(id -> fill(up.get(id), placed));
    List<String> fullestFirst = up.keySet().stream().sorted(byFill.reversed()).toList();
    List<String> emptiestFirst = up.keySet().stream().sorted(byFill).toList();
    for (String from : fullestFirst) {
      for (String to : emptiestFirst) {
        if (fill(up.get(from), placed) <= fill(up.get(to), placed)) {
          break;
        }
        for (VolumeRecord v : volumes) {
          if (v.getPrimary().equals(from) || v.getMovingCount() > 0) {
            continue;
          }
          List<List<String>> entries = holders.get(v.getName());
          for (int e = 0; e < entries.size(); e++) {
            List<String> h = entries.get(e);
            long bytes = Stripes.bytesOf(v, e);
            if (h.contains(from) && !h.contains(to) && !stale(v, e, from) && closer(up, placed, from, to, bytes)
                && accepts(placement, nodes, v, h, from, to, bytes)) {
              return new Move(v.getName(), e, from, to, bytes);
            }
          }
        }
      }
    }
    return null;
  }

  private static boolean stale(VolumeRecord v, int entry, String node) {
    SnippetPlacement s = v.getSnippets(entry);
    return s.getStaleList().contains(node);
  }

  /**
   * True when moving {@code bytes} from one node to the other brings their fills clearly closer:
   * by more than the copy's own share, so two nodes one copy apart do not swap it back and forth
   * (their capacities, measured as free disk, differ a little).
   */
  private static boolean closer(Map<String, NodeDescriptor> up, Map<String, Long> placed, String from, String to,
      long bytes) {
    double capFrom = up.get(from).capacityBytes();
    double capTo = up.get(to).capacityBytes();
    double gap = fill(up.get(from), placed) - fill(up.get(to), placed);
    double after = (placed.getOrDefault(from, 0L) - bytes) / capFrom - (placed.getOrDefault(to, 0L) + bytes) / capTo;
    return gap - Math.abs(after) > bytes * (1 / capFrom + 1 / capTo) / 2;
  }

  /** The placement policy's word: with every other node out of the running, it must choose {@code to}. */
  private static boolean accepts(PlacementPolicy placement, List<NodeDescriptor> nodes, VolumeRecord v,
      List<String> holders, String from, String to, long bytes) {
    List<NodeDescriptor> only = nodes.stream()
        .map(n -> n.id().equals(to) ? n : n.withState(NodeState.DRAINING)).collect(Collectors.toList());
    try {
      return to.equals(placement.move(only, PlacementRequests.of(v, v.getPrimary(), bytes),
          List.of(holders), from));
    } catch (PlacementException e) {
      return false;
    }
  }

  private static double fill(NodeDescriptor n, Map<String, Long> placed) {
    return placed.getOrDefault(n.id(), 0L) / (double) n.capacityBytes();
  }
}
