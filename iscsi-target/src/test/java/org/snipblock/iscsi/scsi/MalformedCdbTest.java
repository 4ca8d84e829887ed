package org.snipblock.iscsi.scsi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.snipblock.iscsi.scsi.LogicalUnitHarness.filled;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Bad CDBs get ILLEGAL REQUEST with the right code, and never change the medium. */
class MalformedCdbTest {
  private final LogicalUnitHarness h = LogicalUnitHarness.memory();

  @Test
  void unknownOpcodesAndServiceActions() {
    for (int op : new int[] {0x01, 0x04, 0x3b, 0x49, 0x5c, 0xc0, 0xff}) {
      SenseView s = h.check(Cdbs.of(op, 0, 0, 0, 0, 0, 0, 0, 0, 0), new byte[0], Sense.ILLEGAL_REQUEST, 0x20, 0);
      assertThat(s.fieldPointer()).isZero();
    }
    SenseView sa = h.invalidField(Cdbs.of(0x9e, 0x1f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    assertThat(sa.fieldPointer()).isEqualTo(1);
    h.check(new byte[0], new byte[0], Sense.ILLEGAL_REQUEST, 0x20, 0);
  }

  @Test
  void truncatedCdbsOfEverySupportedCommandFailCleanly() {
    byte[] before = h.read(0, 8);
    for (byte[] usage : usageOfEveryCommand()) {
      byte[] cdb = usage.clone();
      String name = String.format("opcode %02x", cdb[0]);
      for (int len = 1; len < cdb.length; len++) {
        byte[] cut = java.util.Arrays.copyOf(cdb, len);
        ScsiResponse r = h.exec(cut, filled(4096, 0x5a));
        assertThat(r.status()).as("%s cut to %d bytes", name, len).isIn(
            ScsiResponse.CHECK_CONDITION, ScsiResponse.RESERVATION_CONFLICT, ScsiResponse.GOOD);
        if (r.status() == ScsiResponse.CHECK_CONDITION) {
          assertThat(SenseView.parse(r.sense()).key()).as(name).isEqualTo(Sense.ILLEGAL_REQUEST);
        }
      }
    }
    assertThat(h.read(0, 8)).isEqualTo(before);
  }

  @Test
  void controlByteNacaAndLinkAreRefused() {
    byte[] tur = Cdbs.testUnitReady();
    tur[5] = 0x04;
    assertThat(h.invalidField(tur).fieldPointer()).isEqualTo(5);
    byte[] read = Cdbs.rw10(Opcodes.READ_10, 0, 1, 0);
    read[9] = 0x01;
    assertThat(h.invalidField(read).fieldPointer()).isEqualTo(9);
    byte[] write = Cdbs.rw16(Opcodes.WRITE_16, 0, 1, 0);
    write[15] = 0x04;
    h.invalidField(write, filled(512, 9));
    assertThat(h.read(0, 1)).isEqualTo(new byte[512]);
  }

  @Test
  void reservedFieldsAreChecked() {
    h.invalidField(Cdbs.of(0x1b, 0x02, 0, 0, 0, 0)); // START STOP UNIT reserved bit
    h.invalidField(Cdbs.of(0x1b, 0, 0, 0, 0x02, 0)); // LOEJ on a fixed disk
    h.good(Cdbs.of(0x1b, 0x01, 0, 0, 0x01, 0)); // IMMED start
    h.good(Cdbs.of(0x1b, 0, 0, 0, 0x32, 0)); // power condition: accepted, LOEJ ignored
    h.invalidField(Cdbs.of(0x1e, 0, 0, 0, 0x02, 0)); // PREVENT 10b obsolete
    h.good(Cdbs.of(0x1e, 0, 0, 0, 0x01, 0));
    h.good(Cdbs.of(0x1e, 0, 0, 0, 0x00, 0));
    h.invalidField(Cdbs.of(0x03, 0x02, 0, 0, 18, 0)); // REQUEST SENSE reserved bit
    h.invalidField(Cdbs.of(0xa0, 0, 0x05, 0, 0, 0, 0, 0, 0, 255, 0, 0)); // REPORT LUNS select
    h.invalidField(Cdbs.of(0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0)); // allocation < 16
  }

  @Test
  void randomGarbageNeverEscapesAsAnException() {
    Random random = new Random(42);
    byte[] before = h.read(0, 16);
    for (int i = 0; i < 3000; i++) {
      byte[] cdb = new byte[1 + random.nextInt(16)];
      random.nextBytes(cdb);
      // Keep writes away from the first 16 blocks so we can see nothing was written there by accident
      // of a check that did not run: a write that passes every check is legitimate.
      if (cdb.length >= 3 && isWrite(cdb[0] & 0xff)) {
        cdb[2] = 0x7f;
      }
      byte[] data = new byte[random.nextInt(3) * 512];
      random.nextBytes(data);
      ScsiResponse r = h.exec(cdb, data);
      assertThat(r).isNotNull();
      if (r.status() == ScsiResponse.CHECK_CONDITION) {
        SenseView.parse(r.sense());
      }
    }
    h.exec(Cdbs.testUnitReady());
    assertThat(h.read(0, 16)).isEqualTo(before);
  }

  private static boolean isWrite(int op) {
    return op == 0x0a || op == 0x2a || op == 0xaa || op == 0x8a || op == 0x2e || op == 0xae || op == 0x8e
        || op == 0x41 || op == 0x93 || op == 0x89 || op == 0x8b || op == 0x9c || op == 0x42;
  }

  /** Every supported command's CDB usage data, as REPORT SUPPORTED OPERATION CODES gives it. */
  private java.util.List<byte[]> usageOfEveryCommand() {
    byte[] all = h.good(Cdbs.reportSupportedOpcodes(0, 0, 0, false));
    java.util.List<byte[]> out = new java.util.ArrayList<>();
    for (int at = 4; at < all.length; at += 8) {
      boolean hasServiceAction = (all[at + 5] & 0x01) != 0;
      byte[] one = h.good(Cdbs.reportSupportedOpcodes(hasServiceAction ? 2 : 1, all[at] & 0xff,
          Bytes.u16(all, at + 2), false));
      out.add(java.util.Arrays.copyOfRange(one, 4, 4 + Bytes.u16(one, 2)));
    }
    return out;
  }
}
