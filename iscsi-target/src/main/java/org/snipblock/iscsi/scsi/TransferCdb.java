package org.snipblock.iscsi.scsi;

/**
 * The LBA, block count and flags of a 6/10/12/16-byte media-access CDB (SBC-3 READ, WRITE,
 * VERIFY, WRITE AND VERIFY, PRE-FETCH, SYNCHRONIZE CACHE, WRITE SAME, ORWRITE layouts).
 *
 * @param flags       byte 1 (protect field, DPO, FUA, BYTCHK...); 0 for 6-byte CDBs
 * @param lengthField byte offset of the length field, for sense field pointers
 */
record TransferCdb(long lba, long blocks, int flags, int lengthField) {

  /** READ/WRITE(6): 21-bit LBA, and a length of 0 means 256 blocks (SBC-3 5.8, 5.29). */
  static TransferCdb parse6(Cdb cdb) {
    cdb.requireLength(6);
    cdb.reserved(1, 0xe0);
    cdb.control(5);
    int len = cdb.u8(4);
    return new TransferCdb(cdb.u24(1) & 0x1fffff, len == 0 ? 256 : len, 0, 4);
  }

  static TransferCdb parse10(Cdb cdb) {
    cdb.requireLength(10);
    cdb.control(9);
    return new TransferCdb(cdb.u32(2), cdb.u16(7), cdb.u8(1), 7);
  }

  static TransferCdb parse12(Cdb cdb) {
    cdb.requireLength(12);
    cdb.control(11);
    return new TransferCdb(cdb.u32(2), cdb.u32(6), cdb.u8(1), 6);
  }

  static TransferCdb parse16(Cdb cdb) {
    cdb.requireLength(16);
    cdb.control(15);
    return new TransferCdb(cdb.u64(2), cdb.u32(10), cdb.u8(1), 10);
  }

  /** By CDB size, from the opcode's group code (SPC-4 4.2.5.1). */
  static TransferCdb parse(Cdb cdb) {
    return switch (cdb.opcode() >>> 5) {
      case 0 -> parse6(cdb);
      case 1, 2 -> parse10(cdb);
      case 5 -> parse12(cdb);
      case 4 -> parse16(cdb);
      default -> throw new CheckCondition(Sense.invalidOpcode());
    };
  }

  boolean dpo() {
    return (flags & 0x10) != 0;
  }

  boolean fua() {
    return (flags & 0x08) != 0;
  }

  /** RDPROTECT/WRPROTECT/VRPROTECT/ORPROTECT: we format without protection information. */
  void requireNoProtection() {
    requireNoProtection(flags);
  }

  /** The same for byte 1 of a CDB that is not of this layout (COMPARE AND WRITE, WRITE ATOMIC(16)). */
  static void requireNoProtection(int flags) {
    if ((flags & 0xe0) != 0) {
      throw CheckCondition.invalidField(1, 7);
    }
  }

  long byteLength(int blockSize) {
    return blocks * blockSize;
  }
}
