package org.snipblock.iscsi.scsi;

import static org.snipblock.iscsi.scsi.Opcodes.*;

import java.util.concurrent.CompletableFuture;

/** READ DEFECT DATA (10) and (12): a virtual volume has no grown or primary defects to list. */
final class DefectDataCommands {
  DefectDataCommands() {}

  void register(CommandTable t) {
    t.add(CommandSpec.of("READ DEFECT DATA(10)", Access.READ, this::readDefectData,
        READ_DEFECT_DATA_10, 0, 0x1f, 0, 0, 0, 0, 0xff, 0xff, 0x07));
    t.add(CommandSpec.of("READ DEFECT DATA(12)", Access.READ, this::readDefectData,
        READ_DEFECT_DATA_12, 0x1f, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0x07));
  }

  private CompletableFuture<ScsiResponse> readDefectData(ScsiCommand command, Cdb cdb) {
    boolean ten = cdb.opcode() == READ_DEFECT_DATA_10;
    cdb.requireLength(ten ? 10 : 12);
    cdb.control(ten ? 9 : 11);
    int flagsAt = ten ? 2 : 1;
    int flags = cdb.u8(flagsAt) & 0x1f; // REQ_PLIST, REQ_GLIST, DEFECT LIST FORMAT
    long allocation = ten ? cdb.u16(7) : cdb.u32(6);
    // Header only: the format we were asked for, and an empty list.
    byte[] b = new byte[ten ? 4 : 8];
    b[1] = (byte) flags;
    return Responses.data(b, allocation);
  }
}
