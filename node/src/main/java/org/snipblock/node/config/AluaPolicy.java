package org.snipblock.node.config;

/**
 * How a cluster node's iSCSI door reports and treats the paths that are not the primary's (the
 * config file's {@code cluster.alua} section).
 *
 * @param standbyInOtherSites nodes in another site than the answering node report standby
 *                            (media access refused, NOT READY 04/0B) instead of active/non-optimized
 * @param refuseInTransition  while a primary moves, commands get NOT READY 04/0A (initiators with
 *                            ALUA support retry) instead of waiting in the door for the new primary
 * @param explicitTransitions initiators may move the primary to a path's node with SET TARGET PORT
 *                            GROUPS (INQUIRY TPGS 11b); off by default: two hosts preferring
 *                            different paths would move the primary back and forth
 */
public record AluaPolicy(boolean standbyInOtherSites, boolean refuseInTransition, boolean explicitTransitions) {
  /** Every node active, commands wait through a transition, implicit only: safe for initiators without ALUA (QEMU). */
  public static final AluaPolicy DEFAULT = new AluaPolicy(false, false, false);

  public AluaPolicy(boolean standbyInOtherSites, boolean refuseInTransition) {
    this(standbyInOtherSites, refuseInTransition, false);
  }

  /** {@code transitions}: implicit | explicit. */
  static boolean parseTransitions(String text) {
    return switch (text) {
      case "implicit" -> false;
      case "explicit" -> true;
      default -> throw new IllegalArgumentException("'" + text + "' is not implicit or explicit");
    };
  }

  /** {@code other-sites}: non-optimized | standby. */
  static boolean parseOtherSites(String text) {
    return switch (text) {
      case "non-optimized" -> false;
      case "standby" -> true;
      default -> throw new IllegalArgumentException("'" + text + "' is not non-optimized or standby");
    };
  }

  /** {@code transitioning}: wait | refuse. */
  static boolean parseTransitioning(String text) {
    return switch (text) {
      case "wait" -> false;
      case "refuse" -> true;
      default -> throw new IllegalArgumentException("'" + text + "' is not wait or refuse");
    };
  }
}
