package org.snipblock.iscsi.scsi;

/** Decides whether a command meets RESERVATION CONFLICT, from both kinds of reservation. */
final class ReservationGate {
  private final UnitContext unit;

  ReservationGate(UnitContext unit) {
    this.unit = unit;
  }

  boolean conflicts(ItNexus nexus, CommandSpec spec) {
    if (spec.access() == Access.ALWAYS) {
      return false;
    }
    // Under an SPC-2 reservation only INQUIRY, REPORT LUNS, REQUEST SENSE and RELEASE pass.
    if (unit.legacyHeldByOther(nexus) && !isRelease(spec)) {
      return true;
    }
    return unit.persistentReservations.conflicts(nexus, spec.access());
  }

  private static boolean isRelease(CommandSpec spec) {
    return spec.opcode() == Opcodes.RELEASE_6 || spec.opcode() == Opcodes.RELEASE_10;
  }
}
