package org.snipblock.cluster.topology;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Decides which nodes hold the copies of each placement stripe of a volume (and so of its snippets).
 *
 * <p>Volumes are thin: placing a copy reserves no space, a full node takes no new copies.
 *
 * <p>Rules, in order of strength: copies of one snippet sit in distinct failure domains at the
 * requested spread level (never bent); the volume's primary holds a copy of every snippet when it
 * can, because it serves reads locally; the other copies go to the domains nearest the primary
 * (rack before compartment before site); among equally near nodes the least filled and least
 * loaded wins, counting what this same placement already promised, so a volume's stripes fan out.
 * A copy that must leave a node goes to a node that keeps these rules for every stripe it takes.
 * A volume kept in named sites has copies only there, and in each of them: a named site without a
 * copy yet is served before any other (and refused when none of its nodes can take one).
 */
public final class Placement implements PlacementPolicy {

  @Override
  public Result place(Collection<NodeDescriptor> nodes, Request request) {
    Map<String, NodeDescriptor> live = live(nodes);
    Map<String, Long> promised = new HashMap<>();
    String primary = choosePrimary(live, request, promised);
    List<List<String>> replicas = new ArrayList<>();
    for (long i = 0; i < request.stripes(); i++) {
      List<String> copies = placeOne(live, request, primary, Set.of(), promised);
      for (String id : copies) {
        promised.merge(id, request.stripeBytes(), Long::sum);
      }
      replicas.add(List.copyOf(copies));
    }
    return new Result(primary, List.copyOf(replicas));
  }

  @Override
  public List<String> replace(
      Collection<NodeDescriptor> nodes, Request request, List<String> surviving) {
    return replace(nodes, request, surviving, List.of());
  }

  @Override
  public List<String> replace(
      Collection<NodeDescriptor> nodes, Request request, List<String> surviving, List<String> preferred) {
    Map<String, NodeDescriptor> live = live(nodes);
    List<String> all = placeOne(live, request, request.primary(), new LinkedHashSet<>(surviving), new HashMap<>(),
        Set.copyOf(preferred));
    List<String> added = new ArrayList<>(all);
    added.removeAll(surviving);
    return added;
  }

  @Override
  public String move(Collection<NodeDescriptor> nodes, Request request, List<List<String>> holders, String leaving,
      Map<String, Double> rttFromConsumer, List<String> preferred) {
    Map<String, NodeDescriptor> live = live(nodes);
    Map<String, NodeDescriptor> all = new HashMap<>();
    nodes.forEach(n -> all.put(n.id(), n));
    FailureDomain level = request.spread();
    NodeDescriptor from = nodes.stream().filter(n -> n.id().equals(leaving)).findFirst().orElse(null);
    Map<String, Integer> held = new HashMap<>();
    List<NodeDescriptor> fit = new ArrayList<>();
    for (NodeDescriptor n : live.values()) {
      if (n.id().equals(leaving) || !request.allows(n.location())
          || holders.stream().allMatch(h -> h.contains(n.id()))) {
        continue;   // it would take nothing, or may take nothing
      }
      int holds = 0;
      long toCopy = 0;
      boolean ok = true;
      for (List<String> s : holders) {
        if (s.contains(n.id())) {
          holds++;
          continue;
        }
        toCopy += request.stripeBytes();
        String domain = n.location().domain(level);
        ok &= s.stream().filter(h -> !h.equals(leaving) && !h.equals(n.id())).map(all::get)
            .noneMatch(h -> h != null && h.location().domain(level).equals(domain));
        ok &= keepsSites(request, s, leaving, n, all);
      }
      if (ok && n.freeBytes() >= toCopy) {
        held.put(n.id(), holds);
        fit.add(n);
      }
    }
    Comparator<NodeDescriptor> order = Comparator
        .comparingInt((NodeDescriptor n) -> -held.get(n.id()))
        .thenComparing(n -> !preferred.contains(n.id()))
        // Fullness in tenths first, so a much emptier node wins; among similar ones the nearest to
        // the leaving node's domain, then by measured round trip to the volume's consumer
        // (unmeasured last), then the emptier.
        .thenComparingInt(n -> (int) (10 * fill(n, request.stripeBytes())))
        .thenComparingInt(n -> from == null ? 0 : from.location().distance(n.location()))
        .thenComparingDouble(n -> rttFromConsumer.getOrDefault(n.id(), Double.MAX_VALUE))
        .thenComparing(byFullness(request.stripeBytes(), Map.of()));
    return fit.stream().min(order).map(NodeDescriptor::id).orElseThrow(() -> new PlacementException(
        "no live node can take " + leaving + "'s copies with copies=" + request.copies() + " spread="
            + level.label() + ": every other " + level.label() + " already holds a copy, or lacks the space"));
  }

  /** Whether a stripe still has a copy in every named site once {@code n} took over {@code leaving}'s copy. */
  private static boolean keepsSites(Request request, List<String> holders, String leaving, NodeDescriptor n,
      Map<String, NodeDescriptor> all) {
    NodeDescriptor from = all.get(leaving);
    if (from == null || !request.sites().contains(from.location().site())
        || from.location().site().equals(n.location().site())) {
      return true;
    }
    return holders.stream().filter(h -> !h.equals(leaving)).map(all::get)
        .anyMatch(h -> h != null && h.location().site().equals(from.location().site()));
  }

  private static double fill(NodeDescriptor n, long bytes) {
    return n.capacityBytes() == 0 ? 1.0 : (double) (n.usedBytes() + bytes) / n.capacityBytes();
  }

  private static Map<String, NodeDescriptor> live(Collection<NodeDescriptor> nodes) {
    Map<String, NodeDescriptor> live = new HashMap<>();
    for (NodeDescriptor n : nodes) {
      if (n.state() == NodeState.UP) {
        live.put(n.id(), n);
      }
    }
    return live;
  }

  private String choosePrimary(Map<String, NodeDescriptor> live, Request request, Map<String, Long> promised) {
    long whole = Math.multiplyExact(request.stripeBytes(), Math.max(1, request.stripes()));
    if (request.primary() != null) {
      NodeDescriptor p = live.get(request.primary());
      if (p == null) {
        throw new PlacementException("primary node " + request.primary() + " is not a live cluster member");
      }
      if (!request.allows(p.location())) {
        throw new PlacementException("primary node " + p.id() + " is in site " + p.location().site()
            + ", not one of the sites " + SiteList.label(request.sites()));
      }
      return p.id();
    }
    return live.values().stream()
        .filter(n -> n.freeBytes() > 0 && request.allows(n.location()))
        .min(byFullness(whole, promised))
        .map(NodeDescriptor::id)
        .orElseThrow(() -> new PlacementException("every live node is full: none can serve as the volume's primary"));
  }

  private List<String> placeOne(
      Map<String, NodeDescriptor> live, Request request, String primary, Set<String> keep,
      Map<String, Long> promised) {
    return placeOne(live, request, primary, keep, promised, Set.of());
  }

  private List<String> placeOne(
      Map<String, NodeDescriptor> live, Request request, String primary, Set<String> keep,
      Map<String, Long> promised, Set<String> preferred) {
    FailureDomain level = request.spread();
    List<String> chosen = new ArrayList<>();
    Set<String> usedDomains = new HashSet<>();
    for (String id : keep) {
      NodeDescriptor n = live.get(id);
      if (n != null && usedDomains.add(n.location().domain(level))) {
        chosen.add(id);
      }
    }
    NodeDescriptor p = primary == null ? null : live.get(primary);
    if (p != null && !chosen.contains(p.id()) && chosen.size() < request.copies() && request.allows(p.location())
        && hasRoom(p) && usedDomains.add(p.location().domain(level))) {
      chosen.add(0, p.id());
    }
    Location anchor = p != null ? p.location() : null;
    Comparator<NodeDescriptor> order = Comparator
        .comparing((NodeDescriptor n) -> !preferred.contains(n.id()))
        .thenComparingInt(n -> anchor == null ? 0 : anchor.distance(n.location()))
        .thenComparing(byFullness(request.stripeBytes(), promised));
    while (chosen.size() < request.copies()) {
      // A named site without a copy yet comes first, so that each of them gets one.
      Set<String> bare = new LinkedHashSet<>(request.sites());
      chosen.forEach(id -> bare.remove(live.get(id).location().site()));
      NodeDescriptor best = live.values().stream()
          .filter(n -> !chosen.contains(n.id()))
          .filter(n -> request.allows(n.location()) && (bare.isEmpty() || bare.contains(n.location().site())))
          .filter(n -> !usedDomains.contains(n.location().domain(level)))
          .filter(n -> hasRoom(n))
          .min(order)
          .orElseThrow(() -> bare.isEmpty() ? refusal(live, request, promised) : new PlacementException(
              "cannot place a copy in site " + bare.iterator().next() + " with copies=" + request.copies()
                  + " spread=" + level.label() + ": none of its live nodes has room and another "
                  + level.label() + " than the other copies"));
      chosen.add(best.id());
      usedDomains.add(best.location().domain(level));
    }
    return chosen;
  }

  /**
   * Volumes are thin, as on a standalone node: a copy takes space only as it is written, so a node
   * takes new copies while it has any room; what is promised only orders the candidates (fan-out),
   * and relocation moves copies off nodes that fill.
   */
  private static boolean hasRoom(NodeDescriptor n) {
    return n.freeBytes() > 0;
  }

  /**
   * Clearly emptier first (fill in tenths); then the fewest stripes of this placement so far, a node
   * counting one more for each third of load it carries (idle, busy, hot): a volume's stripes fan
   * out over nodes alike, and a busier node takes fewer of them but is not skipped, since a load
   * report is a passing sample (on one machine, nodes sampling the same load differ by noise);
   * then the least filled; node id breaks ties so results are stable.
   */
  private static Comparator<NodeDescriptor> byFullness(long bytes, Map<String, Long> promised) {
    java.util.function.ToDoubleFunction<NodeDescriptor> fill = n -> {
      long used = n.usedBytes() + promised.getOrDefault(n.id(), 0L) + bytes;
      return n.capacityBytes() == 0 ? 1.0 : (double) used / n.capacityBytes();
    };
    return Comparator
        .comparingInt((NodeDescriptor n) -> (int) (10 * fill.applyAsDouble(n)))
        .thenComparingLong(n -> promised.getOrDefault(n.id(), 0L) / Math.max(1, bytes)
            + (int) (3 * Math.min(n.load(), 0.99)))
        .thenComparingDouble(fill)
        .thenComparing(NodeDescriptor::id);
  }

  private static PlacementException refusal(
      Map<String, NodeDescriptor> live, Request request, Map<String, Long> promised) {
    FailureDomain level = request.spread();
    Set<String> all = new TreeSet<>();
    Set<String> withSpace = new TreeSet<>();
    String where = request.sites().isEmpty() ? "" : " in sites " + SiteList.label(request.sites());
    for (NodeDescriptor n : live.values()) {
      if (!request.allows(n.location())) {
        continue;
      }
      all.add(n.location().domain(level));
      if (hasRoom(n)) {
        withSpace.add(n.location().domain(level));
      }
    }
    if (all.size() < request.copies()) {
      return new PlacementException("cannot place " + request.copies() + " copies with spread="
          + level.label() + ": the live cluster has only " + all.size() + " distinct "
          + level.label() + "(s) " + all + where);
    }
    return new PlacementException("cannot place " + request.copies() + " copies with spread="
        + level.label() + ": only " + withSpace.size() + " " + level.label() + "(s) " + withSpace + where
        + " have a live node that is not full");
  }
}
