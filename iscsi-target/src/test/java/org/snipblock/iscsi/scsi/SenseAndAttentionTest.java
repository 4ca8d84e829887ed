package org.snipblock.iscsi.scsi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.block.BlockDeviceException.Kind;

class SenseAndAttentionTest {
  @Test
  void fixedFormatCarriesInformationAndFieldPointer() {
    byte[] s = SenseEncoder.encode(Sense.invalidFieldInCdb(7, 3), false);
    assertThat(s).hasSize(18);
    assertThat(s[0]).isEqualTo((byte) 0x70);
    assertThat(s[2]).isEqualTo((byte) 0x05);
    assertThat(s[7]).isEqualTo((byte) 10);
    assertThat(s[12]).isEqualTo((byte) 0x24);
    assertThat(s[15] & 0xff).isEqualTo(0x80 | 0x40 | 0x08 | 3);
    assertThat(Bytes.u16(s, 16)).isEqualTo(7);
    byte[] m = SenseEncoder.encode(Sense.miscompare(513), false);
    assertThat(m[0] & 0xff).isEqualTo(0xf0);
    assertThat(Bytes.u32(m, 3)).isEqualTo(513);
  }

  @Test
  void descriptorFormatCarriesTheSameFacts() {
    SenseView v = SenseView.parse(SenseEncoder.encode(Sense.miscompare(1L << 40), true));
    assertThat(v.descriptor()).isTrue();
    assertThat(v.key()).isEqualTo(Sense.MISCOMPARE);
    assertThat(v.information()).isEqualTo(1L << 40);
    SenseView p = SenseView.parse(SenseEncoder.encode(Sense.invalidFieldInParameterList(12, -1), true));
    assertThat(p.fieldPointer()).isEqualTo(12);
    assertThat(p.inCdb()).isFalse();
  }

  @Test
  void deviceFailuresMapToTheirSenseCodes() {
    assertThat(key(Kind.MEDIUM_ERROR)).containsExactly(0x3, 0x11, 0x00);
    assertThat(key(Kind.OUT_OF_RANGE)).containsExactly(0x5, 0x21, 0x00);
    assertThat(key(Kind.READ_ONLY)).containsExactly(0x7, 0x27, 0x00);
    assertThat(key(Kind.NO_SPACE)).containsExactly(0x7, 0x27, 0x07);
    assertThat(key(Kind.IO_ERROR)).containsExactly(0x4, 0x44, 0x00);
    assertThat(key(Kind.NOT_PRIMARY)).containsExactly(0x2, 0x04, 0x00);
  }

  private static int[] key(Kind kind) {
    Sense s = DeviceErrors.toSense(new java.util.concurrent.CompletionException(new BlockDeviceException(kind, "x")));
    return new int[] {s.key(), s.asc(), s.ascq()};
  }

  @Test
  void aChecksumFailureOnReadIsAMediumErrorForTheInitiator() {
    // A device whose stored data fails verification: every read completes with MEDIUM_ERROR.
    org.snipblock.block.MemoryBlockDevice base = new org.snipblock.block.MemoryBlockDevice("bad", 1 << 20, 512, false);
    LogicalUnitHarness h = new LogicalUnitHarness(new CorruptReads(base));
    h.exec(Cdbs.testUnitReady());
    h.check(Cdbs.rw10(Opcodes.READ_10, 0, 1, 0), new byte[0], Sense.MEDIUM_ERROR, 0x11, 0x00);
    h.check(Cdbs.rw10(Opcodes.VERIFY_10, 0, 1, 0), new byte[0], Sense.MEDIUM_ERROR, 0x11, 0x00);
  }

  @Test
  void unitAttentionsAreQueuedPerNexusAndReportedOnce() {
    LogicalUnitHarness h = new LogicalUnitHarness(new org.snipblock.block.MemoryBlockDevice("v", 1 << 20, 512, false));
    ItNexus a = LogicalUnitHarness.A;
    // First contact: power on. REQUEST SENSE reports and clears it.
    byte[] rs = h.good(a, Cdbs.of(0x03, 0, 0, 0, 18, 0), new byte[0]);
    assertThat(SenseView.parse(rs).asc()).isEqualTo(0x29);
    h.good(a, Cdbs.testUnitReady(), new byte[0]);
    byte[] none = h.good(a, Cdbs.of(0x03, 0x01, 0, 0, 18, 0), new byte[0]);
    assertThat(none[0] & 0x7f).isEqualTo(0x72);
    assertThat(SenseView.parse(none).key()).isZero();
    h.lu.taskManagement(LogicalUnit.TaskManagement.LUN_RESET, a);
    h.check(a, Cdbs.rw10(Opcodes.READ_10, 0, 1, 0), new byte[0], Sense.UNIT_ATTENTION, 0x29, 0x03);
    h.good(a, Cdbs.rw10(Opcodes.READ_10, 0, 1, 0), new byte[0]);
  }

  @Test
  void everyNexusLearnsOfAnOnlineResizeOnce() {
    org.snipblock.block.MemoryBlockDevice base = new org.snipblock.block.MemoryBlockDevice("grow", 2 << 20, 512, false);
    Resizable device = new Resizable(base, new java.util.concurrent.atomic.AtomicLong(1 << 20));
    LogicalUnitHarness h = new LogicalUnitHarness(device);
    ItNexus a = LogicalUnitHarness.A;
    ItNexus b = LogicalUnitHarness.B;
    h.exec(a, Cdbs.testUnitReady());
    h.exec(b, Cdbs.testUnitReady());
    h.lbaOutOfRange(Cdbs.read16((1 << 20) / 512, 1, 0), new byte[0]);
    device.current.set(2 << 20);
    h.check(a, Cdbs.read16(0, 1, 0), new byte[0], Sense.UNIT_ATTENTION, 0x2a, 0x09);
    h.check(b, Cdbs.testUnitReady(), new byte[0], Sense.UNIT_ATTENTION, 0x2a, 0x09);
    byte[] cap = h.good(a, Cdbs.readCapacity16(32), new byte[0]);
    assertThat(Bytes.u64(cap, 0)).isEqualTo((2 << 20) / 512 - 1);
    h.good(a, Cdbs.read16((1 << 20) / 512, 1, 0), new byte[0]);
  }

  @Test
  void aRollbackIsAMediumChangeEveryNexusLearnsOfOnceAndTheUnitServesOn() {
    RolledBack device = new RolledBack(new org.snipblock.block.MemoryBlockDevice("rb", 1 << 20, 512, false));
    LogicalUnitHarness h = new LogicalUnitHarness(device);
    ItNexus a = LogicalUnitHarness.A;
    ItNexus b = LogicalUnitHarness.B;
    h.exec(a, Cdbs.testUnitReady());
    h.exec(b, Cdbs.testUnitReady());
    device.rollbacks.incrementAndGet();
    h.check(a, Cdbs.read16(0, 1, 0), new byte[0], Sense.UNIT_ATTENTION, 0x28, 0x00);
    h.good(a, Cdbs.read16(0, 1, 0), new byte[0]);
    h.check(b, Cdbs.testUnitReady(), new byte[0], Sense.UNIT_ATTENTION, 0x28, 0x00);
    h.good(b, Cdbs.read16(0, 1, 0), new byte[0]);
    assertThat(device.adopted.get()).as("the handle was told to serve the new content").isEqualTo(1);
  }

  /** A real RAM disk whose volume an operator rolls back: its handle fails until adopted. */
  private static final class RolledBack extends org.snipblock.block.ForwardingBlockDevice {
    final java.util.concurrent.atomic.AtomicInteger rollbacks = new java.util.concurrent.atomic.AtomicInteger();
    final java.util.concurrent.atomic.AtomicInteger adopted = new java.util.concurrent.atomic.AtomicInteger();

    RolledBack(org.snipblock.block.MemoryBlockDevice d) {
      super(d);
    }

    @Override
    public boolean adoptRollback() {
      int had = adopted.get();
      return rollbacks.get() != had && adopted.compareAndSet(had, rollbacks.get());
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
      return rollbacks.get() != adopted.get()
          ? CompletableFuture.failedFuture(new BlockDeviceException(Kind.UNAVAILABLE, "rolled back; reconnect"))
          : super.read(offset, dst);
    }
  }

  /** A real RAM disk seen through a size that an operator grows online. */
  private static final class Resizable extends org.snipblock.block.ForwardingBlockDevice {
    final java.util.concurrent.atomic.AtomicLong current;

    Resizable(org.snipblock.block.MemoryBlockDevice d, java.util.concurrent.atomic.AtomicLong current) {
      super(d);
      this.current = current;
    }

    @Override public long size() { return current.get(); }
  }

  /** Wraps a real RAM disk, failing reads as a checksum mismatch would. */
  private static final class CorruptReads extends org.snipblock.block.ForwardingBlockDevice {
    CorruptReads(org.snipblock.block.MemoryBlockDevice d) {
      super(d);
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
      return CompletableFuture.failedFuture(new BlockDeviceException(Kind.MEDIUM_ERROR, "checksum mismatch"));
    }
  }
}
