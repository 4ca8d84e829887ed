package org.snipblock.iscsi.alua;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where a logical unit can be reached and how well: the target's view of the paths to each
 * device. A standalone target has one group, {@link #SINGLE}; a cluster node reports one group per
 * node that serves the device. Asked on every command, so implementations answer from memory.
 */
public interface PortGroups {
  /** The tag of one portal group alone: a standalone target. */
  int SINGLE_TAG = 1;

  /** A standalone target: one portal group, always active/optimized. */
  PortGroups SINGLE = new PortGroups() {
    @Override
    public int localTag() {
      return SINGLE_TAG;
    }

    @Override
    public List<Portal> portals(String device, String localPortal) {
      return List.of(new Portal(localPortal, SINGLE_TAG));
    }

    @Override
    public List<PortGroup> groups(String device) {
      return List.of(new PortGroup(SINGLE_TAG, AccessState.ACTIVE_OPTIMIZED));
    }
  };

  /**
   * This target's own portal group tag, which it answers logins with; 0 while not known yet (a
   * cluster node not registered yet), when logins are refused as "service unavailable".
   */
  int localTag();

  /** The portals that serve the device, nearest to this target first; {@code localPortal} is this target's own. */
  List<Portal> portals(String device, String localPortal);

  /** The device's target port groups with their states, ordered by tag; empty if not known. */
  List<PortGroup> groups(String device);

  /**
   * True: a transitioning path refuses media access with NOT READY, ASYMMETRIC ACCESS STATE
   * TRANSITION, which initiators with ALUA support (Linux dm-multipath) retry. False: it runs the
   * command, which waits until the transition is over (the doors hold requests for a new primary),
   * for initiators that treat NOT READY as an I/O error (QEMU's libiscsi driver).
   */
  default boolean refusesInTransition() {
    return true;
  }

  /**
   * True: initiators may choose the active/optimized group with SET TARGET PORT GROUPS (explicit
   * ALUA, standard INQUIRY's TPGS 11b) and {@link #makeOptimized} carries it out.
   */
  default boolean explicitTransitions() {
    return false;
  }

  /**
   * Makes group {@code tag} the device's active/optimized one (in a cluster: hands the primary to
   * that group's node); completes once it is, exceptionally with a one-line reason if it cannot be.
   */
  default CompletableFuture<Void> makeOptimized(String device, int tag) {
    return CompletableFuture.failedFuture(new UnsupportedOperationException("no explicit transitions here"));
  }
}
