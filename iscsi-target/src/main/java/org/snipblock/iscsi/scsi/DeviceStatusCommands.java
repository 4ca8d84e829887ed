package org.snipblock.iscsi.scsi;

import static org.snipblock.iscsi.scsi.Opcodes.*;

import java.util.concurrent.CompletableFuture;

/**
 * TEST UNIT READY, REQUEST SENSE, REPORT LUNS, START STOP UNIT and PREVENT ALLOW MEDIUM REMOVAL:
 * the commands about the unit rather than its blocks. The medium is not removable and always
 * ready, so these mostly validate their CDB.
 */
final class DeviceStatusCommands {
  private final UnitContext unit;

  DeviceStatusCommands(UnitContext unit) {
    this.unit = unit;
  }

  void register(CommandTable t) {
    t.add(CommandSpec.of("TEST UNIT READY", Access.ALWAYS, this::testUnitReady,
        TEST_UNIT_READY, 0, 0, 0, 0, 0x07));
    t.add(CommandSpec.of("REQUEST SENSE", Access.ALWAYS, this::requestSense,
        REQUEST_SENSE, 0x01, 0, 0, 0xff, 0x07).withoutUnitAttention());
    t.add(CommandSpec.of("REPORT LUNS", Access.ALWAYS, this::reportLuns,
        REPORT_LUNS, 0, 0xff, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0x07).withoutUnitAttention());
    t.add(CommandSpec.of("START STOP UNIT", Access.WRITE, this::startStopUnit,
        START_STOP_UNIT, 0x01, 0, 0x0f, 0xf7, 0x07));
    t.add(CommandSpec.of("PREVENT ALLOW MEDIUM REMOVAL", Access.READ, this::preventAllow,
        PREVENT_ALLOW_MEDIUM_REMOVAL, 0, 0, 0, 0x03, 0x07));
  }

  private CompletableFuture<ScsiResponse> testUnitReady(ScsiCommand command, Cdb cdb) {
    cdb.requireLength(6);
    cdb.control(5);
    return Responses.GOOD;
  }

  /**
   * Sense is delivered with each response; what is left to report here is a pending unit
   * attention, or how far a running sanitize has come.
   */
  private CompletableFuture<ScsiResponse> requestSense(ScsiCommand command, Cdb cdb) {
    cdb.requireLength(6);
    cdb.control(5);
    cdb.reserved(1, 0xfe);
    boolean descriptor = cdb.bit(1, 0);
    Sense pending = unit.unitAttentions.poll(command.nexus());
    if (pending == null) {
      pending = unit.sanitize.inProgress(); // with its progress indication (SPC-4 4.5.2.4.3)
    }
    Sense sense = pending != null ? pending : Sense.noSense();
    return Responses.data(SenseEncoder.encode(sense, descriptor), cdb.u8(4));
  }

  private CompletableFuture<ScsiResponse> reportLuns(ScsiCommand command, Cdb cdb) {
    cdb.requireLength(12);
    cdb.control(11);
    int select = cdb.u8(2);
    if (select > 0x02 && select != 0x10 && select != 0x11 && select != 0x12) {
      throw CheckCondition.invalidField(2, -1);
    }
    long allocation = cdb.u32(6);
    if (allocation < 16) {
      throw CheckCondition.invalidField(6, -1);
    }
    // One LUN, LUN 0: eight bytes of list, then the all-zero LUN entry.
    byte[] b = new byte[16];
    Bytes.putInt(b, 0, 8);
    return Responses.data(b, allocation);
  }

  private CompletableFuture<ScsiResponse> startStopUnit(ScsiCommand command, Cdb cdb) {
    cdb.requireLength(6);
    cdb.control(5);
    cdb.reserved(1, 0xfe);
    cdb.reserved(2, 0xff);
    cdb.reserved(3, 0xf0);
    cdb.reserved(4, 0x08);
    int powerCondition = cdb.u8(4) >>> 4;
    boolean loadEject = cdb.bit(4, 1);
    // Power conditions other than START_VALID are accepted and ignored (SBC-3 5.25: LOEJ and
    // START are then ignored too). The medium cannot be ejected: it is not removable.
    if (powerCondition == 0 && loadEject) {
      throw CheckCondition.invalidField(4, 1);
    }
    return Responses.GOOD;
  }

  private CompletableFuture<ScsiResponse> preventAllow(ScsiCommand command, Cdb cdb) {
    cdb.requireLength(6);
    cdb.control(5);
    cdb.reservedBytes(1, 3);
    cdb.reserved(4, 0xfc);
    int prevent = cdb.u8(4) & 0x03;
    if (prevent > 1) {
      throw CheckCondition.invalidField(4, 1);
    }
    // Nothing to lock: the medium of a fixed disk cannot be removed in the first place.
    return Responses.GOOD;
  }
}
