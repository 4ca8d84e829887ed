package org.snipblock.iscsi.scsi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.snipblock.iscsi.scsi.LogicalUnitHarness.filled;

import org.junit.jupiter.api.Test;

class ReadWriteTest {
  private final LogicalUnitHarness h = LogicalUnitHarness.memory();

  @Test
  void everyReadAndWriteSizeRoundTrips() {
    byte[] one = filled(512, 0x11);
    h.good(Cdbs.rw6(Opcodes.WRITE_6, 1, 1), one);
    assertThat(h.good(Cdbs.rw6(Opcodes.READ_6, 1, 1))).isEqualTo(one);
    byte[] two = filled(1024, 0x22);
    h.good(Cdbs.rw10(Opcodes.WRITE_10, 2, 2, 0), two);
    assertThat(h.good(Cdbs.rw10(Opcodes.READ_10, 2, 2, 0))).isEqualTo(two);
    h.good(Cdbs.rw12(Opcodes.WRITE_12, 4, 2, 0), filled(1024, 0x33));
    assertThat(h.good(Cdbs.rw12(Opcodes.READ_12, 4, 2, 0))).isEqualTo(filled(1024, 0x33));
    h.good(Cdbs.rw16(Opcodes.WRITE_16, 6, 2, 0x08), filled(1024, 0x44)); // FUA
    assertThat(h.good(Cdbs.rw16(Opcodes.READ_16, 6, 2, 0x18))).isEqualTo(filled(1024, 0x44)); // DPO+FUA
  }

  @Test
  void sixByteLengthZeroMeans256Blocks() {
    byte[] data = filled(256 * 512, 0x5a);
    h.good(Cdbs.rw6(Opcodes.WRITE_6, 0, 0), data);
    assertThat(h.good(Cdbs.rw6(Opcodes.READ_6, 0, 0))).isEqualTo(data);
  }

  @Test
  void zeroBlocksIsNotAnErrorButItsLbaStillIsChecked() {
    assertThat(h.good(Cdbs.rw10(Opcodes.READ_10, 0, 0, 0))).isEmpty();
    h.good(Cdbs.rw10(Opcodes.WRITE_10, h.blocks(), 0, 0), new byte[0]);
    h.lbaOutOfRange(Cdbs.rw10(Opcodes.READ_10, h.blocks() + 1, 0, 0), new byte[0]);
    h.lbaOutOfRange(Cdbs.rw16(Opcodes.READ_16, -1L, 0, 0), new byte[0]);
  }

  @Test
  void rangesBeyondTheEndAreRejectedAndNothingIsWritten() {
    long n = h.blocks();
    h.lbaOutOfRange(Cdbs.rw10(Opcodes.WRITE_10, n - 1, 2, 0), filled(1024, 0x77));
    h.lbaOutOfRange(Cdbs.rw16(Opcodes.WRITE_16, 0x8000000000000000L, 1, 0), filled(512, 0x77));
    h.lbaOutOfRange(Cdbs.rw16(Opcodes.WRITE_16, n, 1, 0), filled(512, 0x77));
    h.lbaOutOfRange(Cdbs.rw12(Opcodes.READ_12, n - 1, 2, 0), new byte[0]);
    assertThat(h.read(n - 1, 1)).isEqualTo(new byte[512]);
  }

  @Test
  void transfersAboveTheBlockLimitAreInvalid() {
    int max = (8 << 20) / 512;
    SenseView s = h.invalidField(Cdbs.rw16(Opcodes.READ_16, 0, max + 1, 0));
    assertThat(s.fieldPointer()).isEqualTo(10);
  }

  @Test
  void protectionFieldsAreRefusedWithoutProtectionInformation() {
    for (int op : new int[] {Opcodes.READ_10, Opcodes.WRITE_10, Opcodes.VERIFY_10, Opcodes.WRITE_AND_VERIFY_10}) {
      SenseView s = h.invalidField(Cdbs.rw10(op, 0, 1, 0x20), filled(512, 1));
      assertThat(s.fieldPointer()).isEqualTo(1);
      assertThat(s.inCdb()).isTrue();
    }
    assertThat(h.read(0, 1)).isEqualTo(new byte[512]);
  }

  @Test
  void shortDataOutWritesOnlyTheWholeBlocksReceived() {
    h.write(0, filled(1024, 'a'));
    h.good(Cdbs.rw10(Opcodes.WRITE_10, 0, 2, 0), filled(512 + 200, 'b'));
    byte[] back = h.read(0, 2);
    assertThat(java.util.Arrays.copyOfRange(back, 0, 512)).isEqualTo(filled(512, 'b'));
    assertThat(java.util.Arrays.copyOfRange(back, 512, 1024)).isEqualTo(filled(512, 'a'));
    assertThat(h.lu.dataOutLength(Cdbs.rw10(Opcodes.WRITE_10, 0, 2, 0))).isEqualTo(1024);
  }

  @Test
  void writeAndVerifyWrites() {
    h.good(Cdbs.rw16(Opcodes.WRITE_AND_VERIFY_16, 9, 1, 0x02), filled(512, 9));
    assertThat(h.read(9, 1)).isEqualTo(filled(512, 9));
  }

  @Test
  void verifyComparesWhenAskedAndReportsTheMiscompareOffset() {
    byte[] data = filled(1024, 0x10);
    h.write(20, data);
    h.good(Cdbs.rw10(Opcodes.VERIFY_10, 20, 2, 0), new byte[0]);
    h.good(Cdbs.rw10(Opcodes.VERIFY_10, 20, 2, 0x02), data);
    byte[] wrong = data.clone();
    wrong[700] = 0;
    SenseView s = h.check(Cdbs.rw12(Opcodes.VERIFY_12, 20, 2, 0x02), wrong, Sense.MISCOMPARE, 0x1d, 0);
    assertThat(s.information()).isEqualTo(700L);
    // BYTCHK 11b: one block compared against every block.
    h.good(Cdbs.rw16(Opcodes.VERIFY_16, 20, 2, 0x06), filled(512, 0x10));
    h.invalidField(Cdbs.rw16(Opcodes.VERIFY_16, 20, 2, 0x04), new byte[0]);
  }

  @Test
  void readOnlyVolumesRefuseWritesWithDataProtect() {
    LogicalUnitHarness ro = LogicalUnitHarness.memory(512, true);
    ro.check(Cdbs.rw10(Opcodes.WRITE_10, 0, 1, 0), filled(512, 1), Sense.DATA_PROTECT, 0x27, 0);
    ro.check(Cdbs.unmap(24), Cdbs.unmapParameters(new long[] {0, 1}), Sense.DATA_PROTECT, 0x27, 0);
    ro.good(Cdbs.rw10(Opcodes.READ_10, 0, 1, 0));
  }

  @Test
  void prefetchAndSynchronizeCacheCheckTheirRange() {
    h.good(Cdbs.rw10(Opcodes.PRE_FETCH_10, 0, 8, 0x02), new byte[0]);
    h.good(Cdbs.rw16(Opcodes.SYNCHRONIZE_CACHE_16, 0, 0, 0), new byte[0]);
    h.good(Cdbs.rw10(Opcodes.SYNCHRONIZE_CACHE_10, 0, 0, 0x02), new byte[0]);
    h.lbaOutOfRange(Cdbs.rw16(Opcodes.PRE_FETCH_16, h.blocks(), 1, 0), new byte[0]);
    h.lbaOutOfRange(Cdbs.rw10(Opcodes.SYNCHRONIZE_CACHE_10, h.blocks() + 1, 0, 0), new byte[0]);
  }

  @Test
  void fourKilobyteBlocksWork() {
    LogicalUnitHarness big = LogicalUnitHarness.memory(4096, false);
    big.write(3, filled(8192, 0x42));
    assertThat(big.read(3, 2)).isEqualTo(filled(8192, 0x42));
    byte[] cap = big.good(Cdbs.readCapacity16(32));
    assertThat(Bytes.u32(cap, 8)).isEqualTo(4096);
    assertThat(Bytes.u64(cap, 0)).isEqualTo(big.blocks() - 1);
  }
}
