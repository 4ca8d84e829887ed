package org.snipblock.iscsi.scsi;

import static org.snipblock.iscsi.scsi.Opcodes.*;

/** How many bytes of Data-Out a CDB calls for, decoded without executing it (for residuals). */
final class DataOutLength {
  private DataOutLength() {}

  static long of(byte[] bytes, int blockSize) {
    try {
      Cdb cdb = new Cdb(bytes);
      return switch (cdb.opcode()) {
        case WRITE_6, WRITE_10, WRITE_12, WRITE_16, WRITE_AND_VERIFY_10, WRITE_AND_VERIFY_12,
            WRITE_AND_VERIFY_16, ORWRITE_16 -> TransferCdb.parse(cdb).byteLength(blockSize);
        case VERIFY_10, VERIFY_12, VERIFY_16 -> verify(TransferCdb.parse(cdb), blockSize);
        case COMPARE_AND_WRITE -> 2L * cdb.u8(13) * blockSize;
        case WRITE_ATOMIC_16 -> (long) cdb.u16(12) * blockSize;
        case WRITE_SAME_10 -> blockSize;
        case WRITE_SAME_16 -> cdb.bit(1, 0) ? 0 : blockSize;
        case UNMAP -> cdb.u16(7);
        case MODE_SELECT_6 -> cdb.u8(4);
        case MODE_SELECT_10 -> cdb.u16(7);
        case PERSISTENT_RESERVE_OUT -> cdb.u32(5);
        case EXTENDED_COPY -> cdb.u32(10);
        case SANITIZE -> cdb.u16(7);
        default -> 0;
      };
    } catch (CheckCondition e) {
      return -1;
    }
  }

  private static long verify(TransferCdb t, int blockSize) {
    return switch ((t.flags() >>> 1) & 0x03) {
      case 1 -> t.byteLength(blockSize);
      case 3 -> t.blocks() == 0 ? 0 : blockSize;
      default -> 0;
    };
  }
}
