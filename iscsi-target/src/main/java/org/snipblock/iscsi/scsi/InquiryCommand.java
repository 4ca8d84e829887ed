package org.snipblock.iscsi.scsi;

import static org.snipblock.iscsi.scsi.Opcodes.INQUIRY;

import java.util.concurrent.CompletableFuture;

/** INQUIRY: standard data (SPC-4 6.6.2) and the vital product data pages of {@link VpdPages}. */
final class InquiryCommand {
  static final String VENDOR = "SNIPBLCK";
  static final String PRODUCT = "snipblock volume";
  static final String REVISION = "0001";

  private static final int[] VERSION_DESCRIPTORS = {
    0x00a0, // SAM-5
    0x0960, // iSCSI
    0x0460, // SPC-4
    0x04c0, // SBC-3
  };

  private final VpdPages vpd;
  private final boolean explicitAlua;

  InquiryCommand(UnitContext unit) {
    this.vpd = new VpdPages(unit);
    this.explicitAlua = unit.alua.explicit();
  }

  void register(CommandTable t) {
    t.add(CommandSpec.of("INQUIRY", Access.ALWAYS, this::inquiry, INQUIRY, 0x01, 0xff, 0xff, 0xff, 0x07)
        .withoutUnitAttention());
  }

  private CompletableFuture<ScsiResponse> inquiry(ScsiCommand command, Cdb cdb) {
    cdb.requireLength(6);
    cdb.control(5);
    cdb.reserved(1, 0xfe); // CMDDT is obsolete and must be zero
    boolean evpd = cdb.bit(1, 0);
    int page = cdb.u8(2);
    int allocation = cdb.u16(3);
    if (!evpd) {
      if (page != 0) {
        throw CheckCondition.invalidField(2, -1);
      }
      return Responses.data(standard(explicitAlua), allocation);
    }
    byte[] data = vpd.page(page, command.nexus());
    if (data == null) {
      throw CheckCondition.invalidField(2, -1);
    }
    return Responses.data(data, allocation);
  }

  /** @param explicitAlua TPGS 11b (SET TARGET PORT GROUPS too) rather than 01b (implicit only) */
  static byte[] standard(boolean explicitAlua) {
    byte[] b = new byte[96];
    b[0] = 0x00; // peripheral qualifier 0, direct access block device
    b[1] = 0x00; // not removable
    b[2] = 0x06; // SPC-4
    b[3] = 0x12; // HISUP, response data format 2
    b[4] = (byte) (b.length - 5);
    b[5] = (byte) (0x08 | (explicitAlua ? 0x30 : 0x10)); // 3PC: EXTENDED COPY; TPGS: implicit ALUA, and explicit
    b[7] = 0x02; // CMDQUE
    Bytes.putAscii(b, 8, 8, VENDOR);
    Bytes.putAscii(b, 16, 16, PRODUCT);
    Bytes.putAscii(b, 32, 4, REVISION);
    for (int i = 0; i < VERSION_DESCRIPTORS.length; i++) {
      Bytes.putShort(b, 58 + 2 * i, VERSION_DESCRIPTORS[i]);
    }
    return b;
  }
}
