package org.snipblock.iscsi.scsi;

import static org.snipblock.iscsi.scsi.Opcodes.*;

import java.util.concurrent.CompletableFuture;

/** READ CAPACITY (10) and (16), with the thin-provisioning bits LBPME and LBPRZ. */
final class CapacityCommands {
  private final UnitContext unit;

  CapacityCommands(UnitContext unit) {
    this.unit = unit;
  }

  void register(CommandTable t) {
    t.add(CommandSpec.of("READ CAPACITY(10)", Access.ALWAYS, this::readCapacity10,
        READ_CAPACITY_10, 0x00, 0, 0, 0, 0, 0, 0, 0, 0x07));
    t.add(CommandSpec.withServiceAction("READ CAPACITY(16)", SA_READ_CAPACITY_16, Access.ALWAYS,
        this::readCapacity16, SERVICE_ACTION_IN_16, SA_READ_CAPACITY_16, 0, 0, 0, 0, 0, 0, 0, 0,
        0xff, 0xff, 0xff, 0xff, 0, 0x07));
  }

  private CompletableFuture<ScsiResponse> readCapacity10(ScsiCommand command, Cdb cdb) {
    cdb.requireLength(10);
    cdb.control(9);
    cdb.reserved(1, 0xff);
    // PMI is obsolete in SBC-3; with it clear the LBA field must be zero.
    cdb.reserved(8, 0xff);
    if (cdb.u32(2) != 0) {
      throw CheckCondition.invalidField(2, -1);
    }
    long last = unit.geometry.blocks() - 1;
    byte[] b = new byte[8];
    Bytes.putInt(b, 0, (int) Math.min(last, 0xffffffffL));
    Bytes.putInt(b, 4, unit.geometry.blockSize());
    return Responses.data(b, b.length);
  }

  private CompletableFuture<ScsiResponse> readCapacity16(ScsiCommand command, Cdb cdb) {
    cdb.requireLength(16);
    cdb.control(15);
    cdb.reserved(14, 0xff);
    long allocation = cdb.u32(10);
    byte[] b = new byte[32];
    Bytes.putLong(b, 0, unit.geometry.blocks() - 1);
    Bytes.putInt(b, 8, unit.geometry.blockSize());
    b[13] = (byte) unit.geometry.logicalPerPhysicalExponent();
    b[14] = (byte) 0xc0; // LBPME (thin provisioned), LBPRZ (unmapped blocks read as zeroes)
    return Responses.data(b, allocation);
  }
}
