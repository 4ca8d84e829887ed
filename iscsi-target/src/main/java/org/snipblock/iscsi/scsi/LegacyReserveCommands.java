package org.snipblock.iscsi.scsi;

import static org.snipblock.iscsi.scsi.Opcodes.*;

import java.util.concurrent.CompletableFuture;

/** RESERVE and RELEASE (6) and (10), SPC-2 style; no third-party or extent reservations. */
final class LegacyReserveCommands {
  private final UnitContext unit;

  LegacyReserveCommands(UnitContext unit) {
    this.unit = unit;
  }

  void register(CommandTable t) {
    t.add(CommandSpec.of("RESERVE(6)", Access.RESERVATION, this::reserve, RESERVE_6, 0, 0, 0, 0, 0x07));
    t.add(CommandSpec.of("RELEASE(6)", Access.RESERVATION, this::release, RELEASE_6, 0, 0, 0, 0, 0x07));
    t.add(CommandSpec.of("RESERVE(10)", Access.RESERVATION, this::reserve,
        RESERVE_10, 0, 0, 0, 0, 0, 0, 0, 0, 0x07));
    t.add(CommandSpec.of("RELEASE(10)", Access.RESERVATION, this::release,
        RELEASE_10, 0, 0, 0, 0, 0, 0, 0, 0, 0x07));
  }

  private void decode(Cdb cdb) {
    boolean ten = cdb.opcode() == RESERVE_10 || cdb.opcode() == RELEASE_10;
    int last = ten ? 9 : 5;
    cdb.requireLength(last + 1);
    cdb.control(last);
    cdb.reservedBytes(1, last - 1);
  }

  private CompletableFuture<ScsiResponse> reserve(ScsiCommand command, Cdb cdb) {
    decode(cdb);
    ItNexus nexus = command.nexus();
    // SPC-3 5.6.3: with persistent reservations in place, RESERVE conflicts (CRH covers only
    // the holder-compatible cases, which a registration never is for the SPC-2 model). Decided on
    // the LU's shared state, so two nodes' RESERVEs at once cannot both win.
    return unit.shared.change(c -> !c.reservations.anyRegistration() && c.legacy.reserve(nexus, unit.alua::pathPresent))
        .thenCompose(reserved -> reserved ? Responses.GOOD : Responses.RESERVATION_CONFLICT);
  }

  private CompletableFuture<ScsiResponse> release(ScsiCommand command, Cdb cdb) {
    decode(cdb);
    ItNexus nexus = command.nexus();
    if (unit.persistentReservations.type() != null && unit.persistentReservations.conflicts(nexus, Access.WRITE)) {
      return Responses.RESERVATION_CONFLICT;
    }
    if (!unit.legacyReservation.heldBy(nexus)) {
      return Responses.GOOD; // nothing of ours to release: no need to ask the other paths
    }
    return unit.shared.change(c -> {
      c.legacy.release(nexus);
      return null;
    }).thenCompose(x -> Responses.GOOD);
  }
}
