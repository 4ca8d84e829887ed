package org.snipblock.iscsi.scsi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.MemoryBlockDevice;

/** Drives a {@link BlockLogicalUnit} with raw CDBs, as the transport would. */
final class LogicalUnitHarness {
  static final ItNexus A = new ItNexus("iqn.2026-11.org.test:a", 0x23d000000001L, "iqn.2026-11.org.snipblock:vol", 1);
  static final ItNexus B = new ItNexus("iqn.2026-11.org.test:b", 0x23d000000002L, "iqn.2026-11.org.snipblock:vol", 1);
  static final ItNexus C = new ItNexus("iqn.2026-11.org.test:c", 0x23d000000003L, "iqn.2026-11.org.snipblock:vol", 1);

  final BlockDevice device;
  final BlockLogicalUnit lu;
  final int blockSize;

  LogicalUnitHarness(BlockDevice device) {
    this(device, device.blockSize());
  }

  LogicalUnitHarness(BlockDevice device, int physicalBlockSize) {
    this(device, new BlockLogicalUnit(device, physicalBlockSize));
  }

  LogicalUnitHarness(BlockDevice device, BlockLogicalUnit lu) {
    this.device = device;
    this.lu = lu;
    this.blockSize = device.blockSize();
  }

  /** A 4 MiB thin RAM disk with 512-byte blocks; nexuses A, B and C have seen their power-on UA. */
  static LogicalUnitHarness memory() {
    return memory(512, false);
  }

  static LogicalUnitHarness memory(int blockSize, boolean readOnly) {
    LogicalUnitHarness h = new LogicalUnitHarness(new MemoryBlockDevice("vol", 4L << 20, blockSize, readOnly));
    for (ItNexus n : new ItNexus[] {A, B, C}) {
      h.exec(n, Cdbs.testUnitReady());
    }
    return h;
  }

  long blocks() {
    return device.size() / blockSize;
  }

  ScsiResponse exec(byte[] cdb) {
    return exec(A, cdb, new byte[0]);
  }

  ScsiResponse exec(byte[] cdb, byte[] dataOut) {
    return exec(A, cdb, dataOut);
  }

  ScsiResponse exec(ItNexus nexus, byte[] cdb) {
    return exec(nexus, cdb, new byte[0]);
  }

  ScsiResponse exec(ItNexus nexus, byte[] cdb, byte[] dataOut) {
    try {
      ScsiCommand command = new ScsiCommand(cdb, ByteBuffer.wrap(dataOut).asReadOnlyBuffer(), 1 << 24, nexus, 1);
      return lu.execute(command).get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** Executes and asserts GOOD, returning the Data-In bytes. */
  byte[] good(byte[] cdb) {
    return good(A, cdb, new byte[0]);
  }

  byte[] good(byte[] cdb, byte[] dataOut) {
    return good(A, cdb, dataOut);
  }

  byte[] good(ItNexus nexus, byte[] cdb, byte[] dataOut) {
    ScsiResponse r = exec(nexus, cdb, dataOut);
    assertThat(r.status()).as("status, sense %s", SenseView.describe(r.sense())).isEqualTo(ScsiResponse.GOOD);
    return bytes(r.dataIn());
  }

  /** Executes and asserts CHECK CONDITION with this key/ASC/ASCQ, returning the decoded sense. */
  SenseView check(byte[] cdb, byte[] dataOut, int key, int asc, int ascq) {
    return check(A, cdb, dataOut, key, asc, ascq);
  }

  SenseView check(ItNexus nexus, byte[] cdb, byte[] dataOut, int key, int asc, int ascq) {
    ScsiResponse r = exec(nexus, cdb, dataOut);
    assertThat(r.status()).as("status").isEqualTo(ScsiResponse.CHECK_CONDITION);
    SenseView s = SenseView.parse(r.sense());
    assertThat(new int[] {s.key(), s.asc(), s.ascq()}).as("sense %s", s).containsExactly(key, asc, ascq);
    return s;
  }

  SenseView invalidField(byte[] cdb) {
    return check(cdb, new byte[0], Sense.ILLEGAL_REQUEST, 0x24, 0x00);
  }

  SenseView invalidField(byte[] cdb, byte[] dataOut) {
    return check(cdb, dataOut, Sense.ILLEGAL_REQUEST, 0x24, 0x00);
  }

  SenseView lbaOutOfRange(byte[] cdb, byte[] dataOut) {
    return check(cdb, dataOut, Sense.ILLEGAL_REQUEST, 0x21, 0x00);
  }

  byte[] read(long lba, int blocks) {
    return good(Cdbs.read16(lba, blocks, 0));
  }

  void write(long lba, byte[] data) {
    good(Cdbs.write16(lba, data.length / blockSize, 0), data);
  }

  static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }

  static byte[] filled(int length, int value) {
    byte[] b = new byte[length];
    java.util.Arrays.fill(b, (byte) value);
    return b;
  }
}
