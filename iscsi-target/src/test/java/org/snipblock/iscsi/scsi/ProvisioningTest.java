package org.snipblock.iscsi.scsi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.snipblock.iscsi.scsi.LogicalUnitHarness.filled;

import org.junit.jupiter.api.Test;

class ProvisioningTest {
  private final LogicalUnitHarness h = LogicalUnitHarness.memory();

  private int firstDescriptorState(long lba) {
    byte[] d = h.good(Cdbs.getLbaStatus(lba, 24));
    assertThat(Bytes.u64(d, 8)).isEqualTo(lba);
    return d[20] & 0x0f;
  }

  @Test
  void unmapDeallocatesAndReadsZero() {
    h.write(0, filled(16 * 512, 0xee));
    assertThat(firstDescriptorState(0)).isZero();
    h.good(Cdbs.unmap(24), Cdbs.unmapParameters(new long[] {0, 16}));
    assertThat(h.read(0, 16)).isEqualTo(new byte[16 * 512]);
    assertThat(firstDescriptorState(0)).isEqualTo(1);
  }

  @Test
  void unmapParameterListsAreValidated() {
    h.write(0, filled(512, 1));
    // Zero-length list: nothing to do.
    h.good(Cdbs.unmap(0), new byte[0]);
    // Shorter than its header.
    h.check(Cdbs.unmap(4), new byte[4], Sense.ILLEGAL_REQUEST, 0x1a, 0);
    // Fewer bytes sent than the CDB announced.
    h.check(Cdbs.unmap(24), new byte[10], Sense.ILLEGAL_REQUEST, 0x1a, 0);
    // Descriptor length running past the list.
    byte[] p = Cdbs.unmapParameters(new long[] {0, 1});
    Bytes.putShort(p, 2, 32);
    h.check(Cdbs.unmap(24), p, Sense.ILLEGAL_REQUEST, 0x26, 0);
    // Range beyond the end, and a range above the block limit.
    h.lbaOutOfRange(Cdbs.unmap(24), Cdbs.unmapParameters(new long[] {h.blocks() - 1, 2}));
    h.check(Cdbs.unmap(24), Cdbs.unmapParameters(new long[] {0, (1 << 20) + 1}), Sense.ILLEGAL_REQUEST, 0x26, 0);
    // ANCHOR without ANC_SUP.
    byte[] anchor = Cdbs.unmap(24);
    anchor[1] = 1;
    h.invalidField(anchor, Cdbs.unmapParameters(new long[] {0, 1}));
    // Nothing of the above touched the data.
    assertThat(h.read(0, 1)).isEqualTo(filled(512, 1));
  }

  @Test
  void writeSameRepeatsTheBlock() {
    byte[] block = filled(512, 0x3c);
    h.good(Cdbs.rw10(Opcodes.WRITE_SAME_10, 5, 300, 0), block);
    byte[] back = h.read(5, 300);
    assertThat(back).isEqualTo(filled(300 * 512, 0x3c));
    assertThat(h.read(305, 1)).isEqualTo(new byte[512]);
  }

  @Test
  void writeSameWithUnmapTrimsAndZeroBlockCountMeansToTheEnd() {
    long n = h.blocks();
    h.write(n - 8, filled(8 * 512, 0xff));
    h.good(Cdbs.rw16(Opcodes.WRITE_SAME_16, n - 8, 0, 0x08), new byte[512]);
    assertThat(h.read(n - 8, 8)).isEqualTo(new byte[8 * 512]);
    assertThat(firstDescriptorState(n - 8)).isEqualTo(1);
    // NDOB: no data out at all.
    h.write(0, filled(512, 7));
    h.good(Cdbs.rw16(Opcodes.WRITE_SAME_16, 0, 1, 0x01), new byte[0]);
    assertThat(h.read(0, 1)).isEqualTo(new byte[512]);
  }

  @Test
  void writeSameRejectsWrongDataSizesAnchorAndOversizedCounts() {
    h.invalidField(Cdbs.rw10(Opcodes.WRITE_SAME_10, 0, 1, 0x08), new byte[256]);
    h.invalidField(Cdbs.rw10(Opcodes.WRITE_SAME_10, 0, 1, 0x08), new byte[1024]);
    h.invalidField(Cdbs.rw10(Opcodes.WRITE_SAME_10, 0, 1, 0x10), new byte[512]);
    h.invalidField(Cdbs.rw16(Opcodes.WRITE_SAME_16, 0, 0x10000, 0), new byte[512]);
    h.lbaOutOfRange(Cdbs.rw16(Opcodes.WRITE_SAME_16, h.blocks() - 1, 2, 0), new byte[512]);
    h.lbaOutOfRange(Cdbs.rw10(Opcodes.WRITE_SAME_10, h.blocks() + 1, 0, 0), new byte[512]);
  }

  @Test
  void getLbaStatusReportsMappedThenDeallocatedAndChecksItsLba() {
    h.write(8, filled(8 * 512, 1));
    byte[] d = h.good(Cdbs.getLbaStatus(8, 1024));
    assertThat(Bytes.u32(d, 0)).isEqualTo(d.length - 4);
    assertThat(Bytes.u64(d, 8)).isEqualTo(8);
    assertThat(Bytes.u32(d, 16)).isEqualTo(8);
    assertThat(d[20]).isEqualTo((byte) 0);
    assertThat(Bytes.u64(d, 24)).isEqualTo(16);
    assertThat(d[36]).isEqualTo((byte) 1);
    h.lbaOutOfRange(Cdbs.getLbaStatus(h.blocks(), 24), new byte[0]);
  }

  @Test
  void aKnownPhysicalBlockSizeIsReportedAsExponentAndGranularity() {
    LogicalUnitHarness fourK = new LogicalUnitHarness(h.device, 4096);
    fourK.exec(Cdbs.testUnitReady());
    assertThat(fourK.good(Cdbs.readCapacity16(32))[13]).isEqualTo((byte) 3);
    byte[] limits = fourK.good(Cdbs.inquiry(true, 0xb0, 64));
    assertThat(Bytes.u16(limits, 6)).isEqualTo(8);
    assertThat(Bytes.u32(limits, 28)).isEqualTo(8);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new BlockLogicalUnit(h.device, 1536))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void readCapacityReportsThinProvisioning() {
    byte[] d = h.good(Cdbs.readCapacity16(32));
    assertThat(Bytes.u64(d, 0)).isEqualTo(h.blocks() - 1);
    assertThat(d[13]).isEqualTo((byte) 0); // no physical block size claimed
    assertThat(d[14] & 0xc0).isEqualTo(0xc0);
    assertThat(h.good(Cdbs.readCapacity16(0))).isEmpty();
    byte[] ten = h.good(Cdbs.of(0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    assertThat(Bytes.u32(ten, 0)).isEqualTo(h.blocks() - 1);
    assertThat(Bytes.u32(ten, 4)).isEqualTo(512);
    h.invalidField(Cdbs.of(0x25, 0, 0, 0, 0, 1, 0, 0, 0, 0));
  }
}
