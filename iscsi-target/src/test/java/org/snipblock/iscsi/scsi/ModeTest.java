package org.snipblock.iscsi.scsi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.snipblock.iscsi.scsi.LogicalUnitHarness.A;
import static org.snipblock.iscsi.scsi.LogicalUnitHarness.B;
import static org.snipblock.iscsi.scsi.LogicalUnitHarness.filled;

import org.junit.jupiter.api.Test;

class ModeTest {
  private final LogicalUnitHarness h = LogicalUnitHarness.memory();

  private byte[] controlPage(int pc) {
    byte[] d = h.good(Cdbs.modeSense6((pc << 6) | 0x0a, 0, 255, true));
    assertThat(d[3]).isZero(); // DBD: no block descriptor
    assertThat(d[4]).isEqualTo((byte) 0x0a);
    return java.util.Arrays.copyOfRange(d, 4, 16);
  }

  @Test
  void allPagesWithBlockDescriptor() {
    byte[] d = h.good(Cdbs.modeSense6(0x3f, 0, 255, false));
    assertThat(d[0] & 0xff).isEqualTo(d.length - 1);
    assertThat(d[2] & 0x10).isEqualTo(0x10); // DPOFUA
    assertThat(d[3]).isEqualTo((byte) 8);
    assertThat(Bytes.u32(d, 4)).isEqualTo(h.blocks());
    assertThat(Bytes.u24(d, 9)).isEqualTo(512);
    assertThat(d[12]).isEqualTo((byte) 0x01);
    assertThat(d[24]).isEqualTo((byte) 0x08);
    assertThat(d[26] & 0x04).isEqualTo(0x04); // WCE
    assertThat(d[44]).isEqualTo((byte) 0x0a);
    // Truncated by the allocation length, the length field still tells the whole.
    byte[] cut = h.good(Cdbs.modeSense6(0x3f, 0, 4, false));
    assertThat(cut).hasSize(4);
    assertThat(cut[0]).isEqualTo(d[0]);
    // 10-byte form with long LBA descriptor.
    byte[] ten = h.good(Cdbs.modeSense10(0x08, 0, 255, 0x10));
    assertThat(ten[4] & 1).isEqualTo(1);
    assertThat(Bytes.u16(ten, 6)).isEqualTo(16);
    assertThat(Bytes.u64(ten, 8)).isEqualTo(h.blocks());
  }

  @Test
  void badPageControlsAndPagesAreRefused() {
    h.check(Cdbs.modeSense6(0xc0 | 0x08, 0, 255, false), new byte[0], Sense.ILLEGAL_REQUEST, 0x39, 0);
    h.invalidField(Cdbs.modeSense6(0x19, 0, 255, false));
    h.invalidField(Cdbs.modeSense6(0x08, 0x01, 255, false));
    h.good(Cdbs.modeSense6(0x3f, 0xff, 255, false));
    assertThat(controlPage(1)[2] & 0x04).isEqualTo(0x04); // D_SENSE changeable
    assertThat(controlPage(1)[4] & 0x08).isEqualTo(0x08); // SWP changeable
  }

  @Test
  void softwareWriteProtectViaModeSelect() {
    byte[] page = controlPage(0);
    page[4] |= 0x08;
    byte[] params = new byte[4 + page.length];
    System.arraycopy(page, 0, params, 4, page.length);
    h.good(Cdbs.modeSelect6(params.length, 0x10), params);
    assertThat(controlPage(0)[4] & 0x08).isEqualTo(0x08);
    byte[] header = h.good(Cdbs.modeSense6(0x0a, 0, 255, true));
    assertThat(header[2] & 0x80).isEqualTo(0x80); // WP
    h.check(Cdbs.rw10(Opcodes.WRITE_10, 0, 1, 0), filled(512, 1), Sense.DATA_PROTECT, 0x27, 0);
    h.good(Cdbs.rw10(Opcodes.READ_10, 0, 1, 0));
    // The other nexus learns that mode parameters changed.
    h.check(B, Cdbs.testUnitReady(), new byte[0], Sense.UNIT_ATTENTION, 0x2a, 0x01);
    page[4] &= ~0x08;
    System.arraycopy(page, 0, params, 4, page.length);
    h.good(Cdbs.modeSelect6(params.length, 0x10), params);
    h.good(Cdbs.rw10(Opcodes.WRITE_10, 0, 1, 0), filled(512, 1));
  }

  @Test
  void descriptorSenseFormatFollowsTheControlPage() {
    byte[] page = controlPage(0);
    page[2] |= 0x04;
    byte[] params = new byte[4 + page.length];
    System.arraycopy(page, 0, params, 4, page.length);
    h.good(Cdbs.modeSelect6(params.length, 0x10), params);
    ScsiResponse r = h.exec(A, Cdbs.read16(-1L, 1, 0));
    assertThat(r.sense()[0] & 0x7f).isEqualTo(0x72);
    assertThat(SenseView.parse(r.sense()).asc()).isEqualTo(0x21);
  }

  @Test
  void modeSelectRefusesWhatCannotChange() {
    byte[] page = controlPage(0);
    page[3] ^= 0x10; // QUEUE ALGORITHM MODIFIER is not changeable
    byte[] params = new byte[4 + page.length];
    System.arraycopy(page, 0, params, 4, page.length);
    SenseView s = h.check(Cdbs.modeSelect6(params.length, 0x10), params, Sense.ILLEGAL_REQUEST, 0x26, 0);
    assertThat(s.fieldPointer()).isEqualTo(4 + 3);
    assertThat(s.inCdb()).isFalse();
    // PF=0, SP=1, a wrong page length, an unknown page, short data.
    h.invalidField(Cdbs.modeSelect6(params.length, 0x00), params);
    h.invalidField(Cdbs.modeSelect6(params.length, 0x11), params);
    byte[] bad = controlPage(0);
    bad[1] = 0x09;
    byte[] p2 = new byte[4 + bad.length];
    System.arraycopy(bad, 0, p2, 4, bad.length);
    h.check(Cdbs.modeSelect6(p2.length, 0x10), p2, Sense.ILLEGAL_REQUEST, 0x26, 0);
    byte[] p3 = new byte[4 + 4];
    p3[4] = 0x19;
    p3[5] = 0x02;
    h.check(Cdbs.modeSelect6(p3.length, 0x10), p3, Sense.ILLEGAL_REQUEST, 0x26, 0);
    h.check(Cdbs.modeSelect6(16, 0x10), new byte[8], Sense.ILLEGAL_REQUEST, 0x1a, 0);
    // A write cache change goes through.
    byte[] caching = h.good(Cdbs.modeSense6(0x08, 0, 255, true));
    byte[] c = java.util.Arrays.copyOf(caching, caching.length);
    c[0] = 0;
    c[4 + 2] &= ~0x04;
    h.good(Cdbs.modeSelect6(c.length, 0x10), c);
    assertThat(h.good(Cdbs.modeSense6(0x08, 0, 255, true))[6] & 0x04).isZero();
  }
}
