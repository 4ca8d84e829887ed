package org.snipblock.iscsi.scsi;

import org.snipblock.block.BlockDevice;

/**
 * The logical-block view of a byte-addressed device, and the one place that checks LBA ranges
 * and transfer sizes of commands. Capacity is read live: volumes may grow while mounted.
 */
final class Geometry {
  /** Largest single transfer we accept; reported as MAXIMUM TRANSFER LENGTH in VPD B0h. */
  static final int MAX_TRANSFER_BYTES = 8 << 20;
  /** UNMAP limits reported in VPD B0h (the suite insists they stay below 1M blocks). */
  static final int MAX_UNMAP_BLOCKS = 1 << 20;
  static final int MAX_UNMAP_DESCRIPTORS = 256;
  /** COMPARE AND WRITE is bounded too (MAXIMUM COMPARE AND WRITE LENGTH, in blocks). */
  static final int MAX_COMPARE_AND_WRITE_BLOCKS = 255;

  private final BlockDevice device;
  private final int physicalBlockSize;

  Geometry(BlockDevice device, int physicalBlockSize) {
    if (physicalBlockSize < device.blockSize() || physicalBlockSize % device.blockSize() != 0
        || Integer.bitCount(physicalBlockSize / device.blockSize()) != 1) {
      throw new IllegalArgumentException("physical block size " + physicalBlockSize
          + " is not a power-of-two multiple of the block size " + device.blockSize());
    }
    this.device = device;
    this.physicalBlockSize = physicalBlockSize;
  }

  int blockSize() {
    return device.blockSize();
  }

  long blocks() {
    return device.size() / device.blockSize();
  }

  int maxTransferBlocks() {
    return MAX_TRANSFER_BYTES / device.blockSize();
  }

  /** Largest WRITE SAME we do in one command (reported as MAXIMUM WRITE SAME LENGTH). */
  long maxWriteSameBlocks() {
    return 0xffff;
  }

  /**
   * LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT: how many logical blocks the storage allocates and
   * trims as one. The seam does not say, so this is whatever the owner of the device told us.
   */
  int logicalPerPhysicalExponent() {
    return Integer.numberOfTrailingZeros(Math.max(1, physicalBlockSize / device.blockSize()));
  }

  int logicalPerPhysical() {
    return 1 << logicalPerPhysicalExponent();
  }

  long offset(long lba) {
    return lba * device.blockSize();
  }

  /** LBA OUT OF RANGE unless {@code [lba, lba+count)} lies on the medium (LBA may equal the end only with count 0). */
  void checkRange(long lba, long count) {
    long n = blocks();
    if (lba < 0 || count < 0 || Long.compareUnsigned(lba, n) > 0 || count > n - lba) {
      throw new CheckCondition(Sense.lbaOutOfRange());
    }
  }

  /** Rejects transfers above the block limits page's maximum, pointing at the length field. */
  void checkTransferLength(long count, int fieldPos) {
    if (count > maxTransferBlocks()) {
      throw CheckCondition.invalidField(fieldPos, -1);
    }
  }
}
