package org.snipblock.cluster.topology;

import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The one seam that decides where copies of snippets live, one placement stripe at a time (a
 * volume's snippets are dealt round-robin onto a few stripes: {@code meta.Stripes}): asked when a
 * volume is created ({@link #place}), when copies were lost ({@link #replace}) and when a copy must leave a node on
 * purpose, as drain, rebalance and relocation do ({@link #move}). Every answer keeps the volume's
 * policy (copies in distinct domains at its spread level, only in its sites and in each of them)
 * or throws {@link PlacementException} saying why it cannot. Only {@link NodeState#UP} nodes receive copies.
 */
public interface PlacementPolicy {

  /**
   * @param copies       copies of each snippet (n)
   * @param spread       level at which the copies must be in distinct domains
   * @param primary      node id that serves the volume, or null to let placement choose one
   * @param stripeBytes  space one copy of one stripe takes when fully written
   * @param stripes      number of stripes to place
   * @param sites        the sites copies go to, each of them taking one of every stripe; empty = any
   */
  record Request(int copies, FailureDomain spread, String primary, long stripeBytes, long stripes,
      List<String> sites) {
    public Request {
      sites = List.copyOf(sites);
      if (copies < 1) {
        throw new IllegalArgumentException("copies must be at least 1, got " + copies);
      }
      if (spread == null) {
        throw new IllegalArgumentException("spread level missing");
      }
      if (stripeBytes <= 0 || stripes < 0) {
        throw new IllegalArgumentException("bad stripe geometry: " + stripes + " x " + stripeBytes);
      }
      if (sites.size() > copies) {
        throw new IllegalArgumentException(sites.size() + " sites for " + copies + " copies: each site takes one");
      }
    }

    /** A request for copies in any site. */
    public Request(int copies, FailureDomain spread, String primary, long stripeBytes, long stripes) {
      this(copies, spread, primary, stripeBytes, stripes, List.of());
    }

    /** Whether a copy may go to a node there. */
    public boolean allows(Location at) {
      return sites.isEmpty() || sites.contains(at.site());
    }
  }

  /** The answer: the primary chosen and, per stripe, the node ids holding its copies (primary first). */
  record Result(String primary, List<List<String>> replicas) {}

  /** Places every stripe of a volume. */
  Result place(Collection<NodeDescriptor> nodes, Request request);

  /** Chooses where one stripe's missing copies go, keeping the copies it still has; returns only the new node ids. */
  List<String> replace(Collection<NodeDescriptor> nodes, Request request, List<String> surviving);

  /**
   * As {@link #replace(Collection, Request, List)}, choosing among the nodes that keep the rules
   * those in {@code preferred} first: a clone's copy goes where its parent's copy went, so it can
   * share the parent's data there instead of being a full copy.
   */
  default List<String> replace(Collection<NodeDescriptor> nodes, Request request, List<String> surviving,
      List<String> preferred) {
    return replace(nodes, request, surviving);
  }

  /**
   * Chooses one node to take over {@code leaving}'s copies of the given stripes (each given as
   * its holders): for every stripe the node either holds it already or may hold it with the
   * holders other than {@code leaving} in distinct domains, and it holds at least one of them not
   * yet (a node that holds all would take nothing). Among those, the node that already
   * holds the most of them wins (least to copy), then the clearly emptier (fullness in tenths),
   * then the nearest to {@code leaving}, then the least full. One stripe's list asks where one
   * copy moves; all of a volume's ask where its primary moves (a primary holds every stripe).
   */
  default String move(Collection<NodeDescriptor> nodes, Request request, List<List<String>> holders, String leaving) {
    return move(nodes, request, holders, leaving, Map.of());
  }

  /**
   * As {@link #move(Collection, Request, List, String)}, and among candidates alike in fullness and
   * nearness the one with the shortest measured round trip from the volume's consumer (its primary)
   * wins: relocation keeps copies close to who uses them.
   *
   * @param rttFromConsumer milliseconds from the consumer to each node it has measured
   */
  default String move(Collection<NodeDescriptor> nodes, Request request, List<List<String>> holders, String leaving,
      Map<String, Double> rttFromConsumer) {
    return move(nodes, request, holders, leaving, rttFromConsumer, List.of());
  }

  /**
   * As {@link #move(Collection, Request, List, String, Map)}, and among the candidates that hold as
   * many of the stripes those in {@code preferred} first: a clone's copy moves where its parent's
   * copy is, so it can share the parent's data there instead of becoming a full copy.
   */
  String move(Collection<NodeDescriptor> nodes, Request request, List<List<String>> holders, String leaving,
      Map<String, Double> rttFromConsumer, List<String> preferred);
}
