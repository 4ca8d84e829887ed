package org.snipblock.iscsi.scsi;

import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.snipblock.iscsi.alua.AccessState;
import org.snipblock.iscsi.alua.PortGroup;
import org.snipblock.iscsi.alua.PortGroups;

/**
 * Implicit ALUA for one logical unit (SPC-4 5.16): the states of its target port groups as the
 * target reports them now, the unit attention every nexus gets when they change, and the commands
 * a path that is not active may not run.
 *
 * <p>A change is noticed by the first command after it (as a capacity change is): each node
 * keeps its own nexuses, so every nexus of the LU learns of it with its next command.
 */
final class AsymmetricAccess {
  static final Sense STATES_CHANGED = Sense.of(Sense.UNIT_ATTENTION, 0x2a, 0x06);
  static final Sense IN_TRANSITION = Sense.of(Sense.NOT_READY, 0x04, 0x0a);
  static final Sense IN_STANDBY = Sense.of(Sense.NOT_READY, 0x04, 0x0b);
  static final Sense IS_UNAVAILABLE = Sense.of(Sense.NOT_READY, 0x04, 0x0c);

  /**
   * What a path that is transitioning, standby or unavailable still runs (SPC-4 5.16.2.4-6): what
   * identifies the LU, reports or changes its paths and reservations, and reports its parameters.
   */
  private static final Set<Integer> WITHOUT_ACCESS = Set.of(Opcodes.INQUIRY, Opcodes.REPORT_LUNS,
      Opcodes.REQUEST_SENSE, Opcodes.MAINTENANCE_IN, Opcodes.MAINTENANCE_OUT, Opcodes.MODE_SENSE_6, Opcodes.MODE_SENSE_10,
      Opcodes.MODE_SELECT_6, Opcodes.MODE_SELECT_10, Opcodes.PERSISTENT_RESERVE_IN,
      Opcodes.PERSISTENT_RESERVE_OUT);

  private final PortGroups portGroups;
  private final String device;
  private final UnitAttentions unitAttentions;
  private final AtomicReference<List<PortGroup>> lastSeen;

  AsymmetricAccess(PortGroups portGroups, String device, UnitAttentions unitAttentions) {
    this.portGroups = portGroups;
    this.device = device;
    this.unitAttentions = unitAttentions;
    this.lastSeen = new AtomicReference<>(portGroups.groups(device));
  }

  /** The groups now; never empty (a device the target knows nothing about is reached only here). */
  List<PortGroup> groups(int localTag) {
    List<PortGroup> now = portGroups.groups(device);
    return now.isEmpty() ? List.of(new PortGroup(Math.max(1, localTag), AccessState.ACTIVE_OPTIMIZED)) : now;
  }

  /** Establishes ASYMMETRIC ACCESS STATE CHANGED on every nexus if the states changed since last asked. */
  void noticeChange() {
    List<PortGroup> now = portGroups.groups(device);
    List<PortGroup> before = lastSeen.get();
    if (now != before && !now.equals(before) && lastSeen.compareAndSet(before, now)) {
      unitAttentions.establishForAll(STATES_CHANGED);
    }
  }

  /** Whether initiators may choose the optimized group (SET TARGET PORT GROUPS). */
  boolean explicit() {
    return portGroups.explicitTransitions();
  }

  /** Makes group {@code tag} the active/optimized one; completes once it is. */
  java.util.concurrent.CompletableFuture<Void> makeOptimized(int tag) {
    return portGroups.makeOptimized(device, tag);
  }

  /** The state of the group a nexus reaches the LU through. */
  AccessState stateOf(ItNexus nexus) {
    for (PortGroup g : groups(nexus.tpgt())) {
      if (g.tag() == nexus.tpgt()) {
        return g.state();
      }
    }
    return AccessState.ACTIVE_OPTIMIZED; // a group not listed (yet): as the door serves, active
  }

  /**
   * Whether the nexus's target port group is still among the LU's (its node in the cluster's
   * view): a nexus through a node that left went with it. True when no groups are known.
   */
  boolean pathPresent(ItNexus nexus) {
    List<PortGroup> now = portGroups.groups(device);
    return now.isEmpty() || now.stream().anyMatch(g -> g.tag() == nexus.tpgt());
  }

  /** Why this command may not run through the nexus's path now, or null if it may. */
  Sense refusal(ItNexus nexus, Cdb cdb) {
    AccessState state = stateOf(nexus);
    if (state == AccessState.ACTIVE_OPTIMIZED || state == AccessState.ACTIVE_NON_OPTIMIZED
        || WITHOUT_ACCESS.contains(cdb.opcode())
        || (state == AccessState.TRANSITIONING && !portGroups.refusesInTransition())) {
      return null;
    }
    return switch (state) {
      case TRANSITIONING -> IN_TRANSITION;
      case STANDBY -> IN_STANDBY;
      default -> IS_UNAVAILABLE;
    };
  }
}
