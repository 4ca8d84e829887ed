package org.snipblock.cluster;

import java.util.Map;

/**
 * How the nodes serving one QoS group's members as primaries split the group's budget, so the
 * members' I/O together holds it however their primaries are spread. Each node computes its own
 * fraction from the demand every serving node reported (the same numbers on every node, so the
 * fractions add up to the whole budget): a node whose requests did not wait gets what it used with
 * some headroom; the nodes whose requests waited (they want more) split what is left; every node
 * keeps a floor, so a node whose clients just started is never at zero and is seen waiting at once.
 */
final class QosGroupShares {
  /** The least share of a serving node, of the budget (when the nodes are few enough for it). */
  static final double FLOOR = 0.05;
  /** An unsaturated node gets this much above what it used, to grow before it has to wait. */
  static final double HEADROOM = 1.25;

  /** A node's demand over its last window: units (operations or bytes) per second let through, and whether requests waited. */
  record Demand(double units, boolean saturated) {}

  private QosGroupShares() {}

  /**
   * This node's fraction of the budget (0..1).
   *
   * @param demand every serving node's demand, this node's included (a node without a report: 0, not waiting)
   * @param budget the group's rate in the same units
   */
  static double fraction(String self, Map<String, Demand> demand, double budget) {
    int n = demand.size();
    if (n <= 1 || !demand.containsKey(self) || budget <= 0) {
      return 1;
    }
    double floor = Math.min(budget * FLOOR, budget / n);
    double unsaturated = 0;
    int saturated = 0;
    for (Demand d : demand.values()) {
      if (d.saturated()) {
        saturated++;
      } else {
        unsaturated += want(d, floor);
      }
    }
    Demand mine = demand.get(self);
    double wanted = unsaturated + saturated * floor;
    double share;
    if (wanted >= budget) {
      // Even the modest wants do not fit: everyone in proportion to them.
      share = (mine.saturated() ? floor : want(mine, floor)) * budget / wanted;
    } else if (saturated > 0) {
      share = mine.saturated() ? (budget - unsaturated) / saturated : want(mine, floor);
    } else {
      // Nobody waits: the rest goes out in proportion, so a node may still grow before it waits.
      share = want(mine, floor) * budget / unsaturated;
    }
    return Math.max(0, Math.min(1, share / budget));
  }

  private static double want(Demand d, double floor) {
    return Math.max(floor, d.units() * HEADROOM);
  }
}
