package org.snipblock.iscsi.scsi;

/** Decides whether a command meets RESERVATION CONFLICT, from both kinds of reservation. */
final class ReservationGate {
  private final PersistentReservations persistent;
  private final LegacyReservation legacy;

  ReservationGate(PersistentReservations persistent, LegacyReservation legacy) {
    this.persistent = persistent;
    this.legacy = legacy;
  }

  boolean conflicts(ItNexus nexus, CommandSpec spec) {
    if (spec.access() == Access.ALWAYS) {
      return false;
    }
    // Under an SPC-2 reservation only INQUIRY, REPORT LUNS, REQUEST SENSE and RELEASE pass.
    if (legacy.heldByOther(nexus) && !isRelease(spec)) {
      return true;
    }
    return persistent.conflicts(nexus, spec.access());
  }

  private static boolean isRelease(CommandSpec spec) {
    return spec.opcode() == Opcodes.RELEASE_6 || spec.opcode() == Opcodes.RELEASE_10;
  }
}
