package org.snipblock.iscsi.scsi;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class InquiryTest {
  private final LogicalUnitHarness h = LogicalUnitHarness.memory();

  @Test
  void standardDataDescribesAnSpc4BlockDevice() {
    byte[] d = h.good(Cdbs.inquiry(false, 0, 260));
    assertThat(d.length).isEqualTo(96);
    assertThat(d[0]).isEqualTo((byte) 0x00);
    assertThat(d[2]).isEqualTo((byte) 0x06);
    assertThat(d[3] & 0x0f).isEqualTo(2);
    assertThat(d[4] & 0xff).isEqualTo(d.length - 5);
    assertThat(new String(d, 8, 8)).isEqualTo("SNIPBLCK");
    assertThat(Bytes.u16(d, 58)).isEqualTo(0x00a0);
    assertThat(Bytes.u16(d, 62)).isEqualTo(0x0460);
    assertThat(Bytes.u16(d, 64)).isEqualTo(0x04c0);
  }

  @Test
  void allocationLengthTruncatesWithoutError() {
    assertThat(h.good(Cdbs.inquiry(false, 0, 5))).hasSize(5);
    assertThat(h.good(Cdbs.inquiry(false, 0, 0))).isEmpty();
    assertThat(h.good(Cdbs.inquiry(true, 0x83, 6))).hasSize(6);
  }

  @Test
  void pageCodeWithoutEvpdIsAnInvalidField() {
    SenseView s = h.invalidField(Cdbs.inquiry(false, 0x83, 255));
    assertThat(s.fieldPointer()).isEqualTo(2);
    assertThat(s.inCdb()).isTrue();
  }

  @Test
  void unknownVpdPageAndObsoleteCmddtAreRejected() {
    h.invalidField(Cdbs.inquiry(true, 0x99, 255));
    byte[] cmddt = Cdbs.inquiry(false, 0, 255);
    cmddt[1] = 0x02;
    assertThat(h.invalidField(cmddt).fieldPointer()).isEqualTo(1);
  }

  @Test
  void supportedPagesListsEveryPageAndEachIsReadable() {
    byte[] d = h.good(Cdbs.inquiry(true, 0x00, 255));
    int n = Bytes.u16(d, 2);
    assertThat(n).isEqualTo(7);
    for (int i = 0; i < n; i++) {
      int page = d[4 + i] & 0xff;
      byte[] p = h.good(Cdbs.inquiry(true, page, 255));
      assertThat(p[1] & 0xff).isEqualTo(page);
      assertThat(Bytes.u16(p, 2)).isEqualTo(p.length - 4);
    }
  }

  @Test
  void serialAndNaaIdentifierDeriveFromTheVolumeIdentity() {
    byte[] serial = h.good(Cdbs.inquiry(true, 0x80, 255));
    assertThat(new String(serial, 4, serial.length - 4))
        .isEqualTo(String.format("%016x", h.device.uniqueId()));
    byte[] id = h.good(Cdbs.inquiry(true, 0x83, 255));
    // First designator: NAA, binary, LU association, 16 bytes starting with NAA 6.
    assertThat(id[4] & 0x0f).isEqualTo(1);
    assertThat(id[5] & 0x3f).isEqualTo(0x03);
    assertThat(id[7]).isEqualTo((byte) 16);
    assertThat((id[8] & 0xf0) >>> 4).isEqualTo(6);
    assertThat(Bytes.u64(id, 16)).isEqualTo(h.device.uniqueId());
  }

  @Test
  void blockLimitsAndProvisioningPagesAgree() {
    byte[] bl = h.good(Cdbs.inquiry(true, 0xb0, 64));
    assertThat(bl).hasSize(64);
    assertThat(bl[3]).isEqualTo((byte) 0x3c);
    assertThat(Bytes.u32(bl, 8)).isEqualTo((8 << 20) / 512);
    assertThat(Bytes.u32(bl, 20)).isPositive().isLessThanOrEqualTo(1 << 20);
    assertThat(Bytes.u32(bl, 24)).isPositive();
    byte[] lbp = h.good(Cdbs.inquiry(true, 0xb2, 64));
    assertThat(lbp[5] & 0xe4).isEqualTo(0xe4); // LBPU, LBPWS, LBPWS10, LBPRZ
    assertThat(lbp[6] & 0x07).isEqualTo(2); // thin
    byte[] bdc = h.good(Cdbs.inquiry(true, 0xb1, 64));
    assertThat(Bytes.u16(bdc, 4)).isEqualTo(1); // non-rotating
  }

  @Test
  void inquiryDoesNotConsumeAPendingUnitAttention() {
    ItNexus fresh = new ItNexus("iqn.2026-11.org.test:fresh", 7, "t", 1);
    h.good(fresh, Cdbs.inquiry(false, 0, 96), new byte[0]);
    h.check(fresh, Cdbs.testUnitReady(), new byte[0], Sense.UNIT_ATTENTION, 0x29, 0x00);
    h.good(fresh, Cdbs.testUnitReady(), new byte[0]);
  }
}
