package org.snipblock.iscsi.scsi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.snipblock.iscsi.scsi.LogicalUnitHarness.filled;

import org.junit.jupiter.api.Test;

class ExtendedCopyTest {
  private final LogicalUnitHarness h = LogicalUnitHarness.memory();

  /** The NAA designator of the LU, as an initiator copies it from VPD page 83h. */
  private byte[] naaDesignator() {
    byte[] page = h.good(Cdbs.inquiry(true, 0x83, 255));
    return java.util.Arrays.copyOfRange(page, 4, 4 + 4 + (page[7] & 0xff));
  }

  private byte[] targetDescriptor(int type, int byte1) {
    byte[] d = new byte[32];
    d[0] = (byte) type;
    d[1] = (byte) byte1;
    byte[] naa = naaDesignator();
    System.arraycopy(naa, 0, d, 4, naa.length);
    Bytes.putShort(d, 30, 512);
    return d;
  }

  private static byte[] segment(int type, int src, int dst, int blocks, long srcLba, long dstLba) {
    byte[] s = new byte[28];
    s[0] = (byte) type;
    Bytes.putShort(s, 2, 24);
    Bytes.putShort(s, 4, src);
    Bytes.putShort(s, 6, dst);
    Bytes.putShort(s, 10, blocks);
    Bytes.putLong(s, 12, srcLba);
    Bytes.putLong(s, 20, dstLba);
    return s;
  }

  private static byte[] list(int listId, int usage, byte[] targets, byte[] segments) {
    byte[] p = new byte[16 + targets.length + segments.length];
    p[0] = (byte) listId;
    p[1] = (byte) (usage << 3);
    Bytes.putShort(p, 2, targets.length);
    Bytes.putInt(p, 8, segments.length);
    System.arraycopy(targets, 0, p, 16, targets.length);
    System.arraycopy(segments, 0, p, 16 + targets.length, segments.length);
    return p;
  }

  private static byte[] xcopy(int length) {
    byte[] c = new byte[16];
    c[0] = (byte) 0x83;
    Bytes.putInt(c, 10, length);
    return c;
  }

  private static byte[] receiveCopyResults(int serviceAction, int listId) {
    byte[] c = new byte[16];
    c[0] = (byte) 0x84;
    c[1] = (byte) serviceAction;
    c[2] = (byte) listId;
    Bytes.putInt(c, 10, 1024);
    return c;
  }

  @Test
  void copiesBlocksWithinTheVolumeAndHoldsItsResult() {
    h.write(0, filled(64 * 512, 'A'));
    h.invalidField(receiveCopyResults(0, 7));
    byte[] p = list(7, 0, targetDescriptor(0xe4, 0), segment(0x02, 0, 0, 64, 0, h.blocks() - 64));
    h.good(xcopy(p.length), p);
    assertThat(h.read(h.blocks() - 64, 64)).isEqualTo(filled(64 * 512, 'A'));
    byte[] status = h.good(receiveCopyResults(0, 7));
    assertThat(status[4] & 0x7f).isEqualTo(1);
    assertThat(Bytes.u32(status, 8)).isEqualTo(64 * 512);
    byte[] params = h.good(receiveCopyResults(3, 0));
    assertThat(Bytes.u16(params, 8)).isEqualTo(2);
    assertThat(Bytes.u16(params, 10)).isEqualTo(1);
  }

  @Test
  void badListsAreRefusedAndCopyNothing() {
    h.write(0, filled(8 * 512, 'B'));
    byte[] target = targetDescriptor(0xe4, 0);
    byte[] good = list(1, 2, target, segment(0x02, 0, 0, 8, 0, 100));
    // Truncated list, too many target or segment descriptors, unsupported descriptor types.
    h.check(xcopy(good.length - 1), java.util.Arrays.copyOf(good, good.length - 1), Sense.ILLEGAL_REQUEST, 0x1a, 0);
    byte[] three = new byte[96];
    for (int i = 0; i < 3; i++) {
      System.arraycopy(target, 0, three, 32 * i, 32);
    }
    byte[] p = list(1, 2, three, segment(0x02, 0, 0, 8, 0, 100));
    h.check(xcopy(p.length), p, Sense.ILLEGAL_REQUEST, 0x26, 0x06);
    byte[] twoSegments = new byte[56];
    System.arraycopy(segment(0x02, 0, 0, 8, 0, 100), 0, twoSegments, 0, 28);
    System.arraycopy(segment(0x02, 0, 0, 8, 0, 200), 0, twoSegments, 28, 28);
    p = list(1, 2, target, twoSegments);
    h.check(xcopy(p.length), p, Sense.ILLEGAL_REQUEST, 0x26, 0x08);
    p = list(1, 2, targetDescriptor(0xe0, 0), segment(0x02, 0, 0, 8, 0, 100));
    h.check(xcopy(p.length), p, Sense.ILLEGAL_REQUEST, 0x26, 0x07);
    p = list(1, 2, target, segment(0x09, 0, 0, 8, 0, 100));
    h.check(xcopy(p.length), p, Sense.ILLEGAL_REQUEST, 0x26, 0x09);
    // A null target, a missing target index, a copy past the end, a foreign designator.
    p = list(1, 2, targetDescriptor(0xe4, 0x20), segment(0x02, 0, 0, 8, 0, 100));
    h.check(xcopy(p.length), p, Sense.COPY_ABORTED, 0x0d, 0x02);
    p = list(1, 2, target, segment(0x02, 0, 1, 8, 0, 100));
    h.check(xcopy(p.length), p, Sense.COPY_ABORTED, 0x0d, 0x02);
    p = list(1, 2, target, segment(0x02, 0, 0, 8, 0, h.blocks() - 1));
    h.check(xcopy(p.length), p, Sense.COPY_ABORTED, 0x00, 0x00);
    byte[] foreign = target.clone();
    foreign[23] ^= 0x01; // last byte of the NAA identifier
    p = list(1, 2, foreign, segment(0x02, 0, 0, 8, 0, 100));
    h.check(xcopy(p.length), p, Sense.COPY_ABORTED, 0x0d, 0x02);
    assertThat(h.read(100, 8)).isEqualTo(new byte[8 * 512]);
    assertThat(h.read(h.blocks() - 1, 1)).isEqualTo(new byte[512]);
    // An empty parameter list is a no-op.
    h.good(xcopy(0), new byte[0]);
  }

  @Test
  void thirdPartyCopyPageListsTheCopyCommands() {
    byte[] std = h.good(Cdbs.inquiry(false, 0, 96));
    assertThat(std[5] & 0x08).isEqualTo(0x08);
    byte[] page = h.good(Cdbs.inquiry(true, 0x8f, 255));
    assertThat(Bytes.u16(page, 4)).isEqualTo(1);
    assertThat(Bytes.u16(page, 6) % 4).isZero();
    assertThat(page[9] & 0xff).isEqualTo(0x83);
  }
}
