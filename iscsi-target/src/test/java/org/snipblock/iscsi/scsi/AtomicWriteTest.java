package org.snipblock.iscsi.scsi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.snipblock.iscsi.scsi.LogicalUnitHarness.filled;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AtomicWriteTest {
  private final LogicalUnitHarness h = LogicalUnitHarness.memory();

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void compareAndWriteSwapsWhenTheDataMatches() {
    h.write(10, filled(1024, 'A'));
    h.good(Cdbs.compareAndWrite(10, 2, 0x08), concat(filled(1024, 'A'), filled(1024, 'B')));
    assertThat(h.read(10, 2)).isEqualTo(filled(1024, 'B'));
  }

  @Test
  void miscompareReportsTheOffsetAndWritesNothing() {
    h.write(10, filled(1024, 'A'));
    byte[] expected = filled(1024, 'A');
    expected[600] = 'C';
    SenseView s = h.check(Cdbs.compareAndWrite(10, 2, 0), concat(expected, filled(1024, 'B')),
        Sense.MISCOMPARE, 0x1d, 0x00);
    assertThat(s.information()).isEqualTo(600L);
    assertThat(h.read(10, 2)).isEqualTo(filled(1024, 'A'));
  }

  @Test
  void compareAndWriteValidatesItsDataAndLimits() {
    // Data-Out must be exactly twice the blocks: 4 blocks sent for 1, or for 3.
    h.invalidField(Cdbs.compareAndWrite(0, 1, 0), new byte[4 * 512]);
    h.invalidField(Cdbs.compareAndWrite(0, 3, 0), new byte[4 * 512]);
    // 256 blocks do not fit the one-byte field and arrive as 0 with data attached.
    h.invalidField(Cdbs.compareAndWrite(0, 0, 0), new byte[512 * 512]);
    h.lbaOutOfRange(Cdbs.compareAndWrite(h.blocks() - 1, 2, 0), new byte[4 * 512]);
    h.invalidField(Cdbs.compareAndWrite(0, 1, 0x20), new byte[1024]);
    h.good(Cdbs.compareAndWrite(0, 0, 0), new byte[0]);
    assertThat(h.lu.dataOutLength(Cdbs.compareAndWrite(0, 3, 0))).isEqualTo(3 * 1024);
  }

  @Test
  void concurrentCompareAndWritesOnOneLockLetExactlyOneWin() throws Exception {
    h.write(0, filled(512, 0));
    List<CompletableFuture<ScsiResponse>> all = new ArrayList<>();
    for (int i = 1; i <= 8; i++) {
      ItNexus n = new ItNexus("iqn.2026-11.org.test:host" + i, i, "t", 1);
      h.exec(n, Cdbs.testUnitReady());
      byte[] data = concat(new byte[512], filled(512, i));
      all.add(h.lu.execute(new ScsiCommand(Cdbs.compareAndWrite(0, 1, 0),
          java.nio.ByteBuffer.wrap(data), 0, n, i)));
    }
    int winners = 0;
    for (CompletableFuture<ScsiResponse> f : all) {
      if (f.get(10, TimeUnit.SECONDS).status() == ScsiResponse.GOOD) {
        winners++;
      }
    }
    assertThat(winners).isEqualTo(1);
  }

  @Test
  void orWriteMergesBits() {
    h.write(3, filled(512, 0x0f));
    h.good(Cdbs.rw16(Opcodes.ORWRITE_16, 3, 1, 0), filled(512, 0xf0));
    assertThat(h.read(3, 1)).isEqualTo(filled(512, 0xff));
    h.lbaOutOfRange(Cdbs.rw16(Opcodes.ORWRITE_16, h.blocks(), 1, 0), filled(512, 1));
  }

  @Test
  void writeAtomicWritesAndRejectsAtomicBoundaries() {
    byte[] c = Cdbs.rw16(Opcodes.WRITE_ATOMIC_16, 7, 0, 0x08);
    Bytes.putShort(c, 10, 0);
    Bytes.putShort(c, 12, 2);
    h.good(c, filled(1024, 0x61));
    assertThat(h.read(7, 2)).isEqualTo(filled(1024, 0x61));
    Bytes.putShort(c, 10, 1);
    assertThat(h.invalidField(c, filled(1024, 0x62)).fieldPointer()).isEqualTo(10);
    assertThat(h.read(7, 2)).isEqualTo(filled(1024, 0x61));
    // WRPROTECT: we format without protection information.
    Bytes.putShort(c, 10, 0);
    c[1] = 0x20;
    assertThat(h.invalidField(c, filled(1024, 0x63)).fieldPointer()).isEqualTo(1);
    assertThat(h.read(7, 2)).isEqualTo(filled(1024, 0x61));
  }
}
