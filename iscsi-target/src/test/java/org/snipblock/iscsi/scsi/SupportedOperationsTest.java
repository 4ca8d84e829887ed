package org.snipblock.iscsi.scsi;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SupportedOperationsTest {
  private final LogicalUnitHarness h = LogicalUnitHarness.memory();

  @Test
  void listsEveryCommandAndEachCanBeAskedAlone() {
    byte[] all = h.good(Cdbs.reportSupportedOpcodes(0, 0, 0, false));
    int length = (int) Bytes.u32(all, 0);
    assertThat(length % 8).isZero();
    assertThat(length / 8).isGreaterThan(50);
    for (int at = 4; at < all.length; at += 8) {
      int op = all[at] & 0xff;
      int sa = Bytes.u16(all, at + 2);
      boolean servactv = (all[at + 5] & 0x01) != 0;
      if (!servactv) {
        assertThat(sa).isZero();
      }
      byte[] one = h.good(Cdbs.reportSupportedOpcodes(servactv ? 2 : 1, op, sa, false));
      assertThat(one[1] & 0x07).isEqualTo(3);
      assertThat(one[4] & 0xff).isEqualTo(op);
      assertThat(Bytes.u16(one, 2)).isEqualTo(Bytes.u16(all, at + 6));
      h.invalidField(Cdbs.reportSupportedOpcodes(servactv ? 1 : 2, op, sa, false));
    }
  }

  @Test
  void timeoutDescriptorsOnRequest() {
    byte[] all = h.good(Cdbs.reportSupportedOpcodes(0, 0, 0, true));
    assertThat(Bytes.u32(all, 0) % 20).isZero();
    assertThat(all[4 + 5] & 0x02).isEqualTo(0x02);
    assertThat(Bytes.u16(all, 4 + 8)).isEqualTo(0x0a);
    byte[] one = h.good(Cdbs.reportSupportedOpcodes(1, Opcodes.READ_10, 0, true));
    assertThat(one[1] & 0x80).isEqualTo(0x80);
    assertThat(one[5] & 0x18).isEqualTo(0x18); // DPO and FUA honoured, as MODE SENSE's DPOFUA says
  }

  @Test
  void unsupportedOpcodeIsReportedAsSuch() {
    byte[] one = h.good(Cdbs.reportSupportedOpcodes(1, 0x04, 0, false));
    assertThat(one[1] & 0x07).isEqualTo(1);
    h.invalidField(Cdbs.reportSupportedOpcodes(5, 0, 0, false));
  }

  @Test
  void taskManagementFunctions() {
    byte[] tmf = h.good(Cdbs.of(0xa3, 0x0d, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0));
    assertThat(tmf).hasSize(4);
    assertThat(tmf[0] & 0x88).isEqualTo(0x88); // ABORT TASK, LOGICAL UNIT RESET
    assertThat(tmf[1] & 0x01).isEqualTo(1); // I_T NEXUS RESET
  }
}
