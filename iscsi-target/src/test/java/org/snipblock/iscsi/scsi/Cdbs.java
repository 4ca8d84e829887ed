package org.snipblock.iscsi.scsi;

/** Builds CDBs the way an initiator does. */
final class Cdbs {
  private Cdbs() {}

  static byte[] of(int... v) {
    byte[] b = new byte[v.length];
    for (int i = 0; i < v.length; i++) {
      b[i] = (byte) v[i];
    }
    return b;
  }

  static byte[] testUnitReady() {
    return new byte[6];
  }

  static byte[] inquiry(boolean evpd, int page, int allocation) {
    byte[] c = new byte[6];
    c[0] = 0x12;
    c[1] = (byte) (evpd ? 1 : 0);
    c[2] = (byte) page;
    Bytes.putShort(c, 3, allocation);
    return c;
  }

  static byte[] reportTargetPortGroups(int format, int allocation) {
    byte[] c = new byte[12];
    c[0] = (byte) 0xa3;
    c[1] = (byte) ((format << 5) | 0x0a);
    Bytes.putInt(c, 6, allocation);
    return c;
  }

  static byte[] rw6(int opcode, long lba, int blocks) {
    byte[] c = new byte[6];
    c[0] = (byte) opcode;
    c[1] = (byte) ((lba >>> 16) & 0x1f);
    c[2] = (byte) (lba >>> 8);
    c[3] = (byte) lba;
    c[4] = (byte) blocks;
    return c;
  }

  static byte[] rw10(int opcode, long lba, int blocks, int flags) {
    byte[] c = new byte[10];
    c[0] = (byte) opcode;
    c[1] = (byte) flags;
    Bytes.putInt(c, 2, (int) lba);
    Bytes.putShort(c, 7, blocks);
    return c;
  }

  static byte[] rw12(int opcode, long lba, int blocks, int flags) {
    byte[] c = new byte[12];
    c[0] = (byte) opcode;
    c[1] = (byte) flags;
    Bytes.putInt(c, 2, (int) lba);
    Bytes.putInt(c, 6, blocks);
    return c;
  }

  static byte[] rw16(int opcode, long lba, long blocks, int flags) {
    byte[] c = new byte[16];
    c[0] = (byte) opcode;
    c[1] = (byte) flags;
    Bytes.putLong(c, 2, lba);
    Bytes.putInt(c, 10, (int) blocks);
    return c;
  }

  static byte[] read16(long lba, long blocks, int flags) {
    return rw16(Opcodes.READ_16, lba, blocks, flags);
  }

  static byte[] write16(long lba, long blocks, int flags) {
    return rw16(Opcodes.WRITE_16, lba, blocks, flags);
  }

  static byte[] readCapacity16(int allocation) {
    byte[] c = new byte[16];
    c[0] = (byte) 0x9e;
    c[1] = 0x10;
    Bytes.putInt(c, 10, allocation);
    return c;
  }

  static byte[] getLbaStatus(long lba, int allocation) {
    byte[] c = new byte[16];
    c[0] = (byte) 0x9e;
    c[1] = 0x12;
    Bytes.putLong(c, 2, lba);
    Bytes.putInt(c, 10, allocation);
    return c;
  }

  static byte[] compareAndWrite(long lba, int blocks, int flags) {
    byte[] c = new byte[16];
    c[0] = (byte) 0x89;
    c[1] = (byte) flags;
    Bytes.putLong(c, 2, lba);
    c[13] = (byte) blocks;
    return c;
  }

  static byte[] unmap(int parameterLength) {
    byte[] c = new byte[10];
    c[0] = 0x42;
    Bytes.putShort(c, 7, parameterLength);
    return c;
  }

  static byte[] unmapParameters(long[]... ranges) {
    byte[] p = new byte[8 + 16 * ranges.length];
    Bytes.putShort(p, 0, p.length - 2);
    Bytes.putShort(p, 2, 16 * ranges.length);
    for (int i = 0; i < ranges.length; i++) {
      Bytes.putLong(p, 8 + 16 * i, ranges[i][0]);
      Bytes.putInt(p, 16 + 16 * i, (int) ranges[i][1]);
    }
    return p;
  }

  static byte[] modeSense6(int pcAndPage, int subpage, int allocation, boolean dbd) {
    return of(0x1a, dbd ? 0x08 : 0, pcAndPage, subpage, allocation, 0);
  }

  static byte[] modeSense10(int pcAndPage, int subpage, int allocation, int flags) {
    byte[] c = of(0x5a, flags, pcAndPage, subpage, 0, 0, 0, 0, 0, 0);
    Bytes.putShort(c, 7, allocation);
    return c;
  }

  static byte[] modeSelect6(int length, int flags) {
    return of(0x15, flags, 0, 0, length, 0);
  }

  static byte[] prIn(int serviceAction, int allocation) {
    byte[] c = of(0x5e, serviceAction, 0, 0, 0, 0, 0, 0, 0, 0);
    Bytes.putShort(c, 7, allocation);
    return c;
  }

  static byte[] prOut(int serviceAction, int type) {
    byte[] c = of(0x5f, serviceAction, type, 0, 0, 0, 0, 0, 0, 0);
    Bytes.putInt(c, 5, 24);
    return c;
  }

  static byte[] prOutParameters(long key, long serviceActionKey) {
    byte[] p = new byte[24];
    Bytes.putLong(p, 0, key);
    Bytes.putLong(p, 8, serviceActionKey);
    return p;
  }

  static byte[] reportSupportedOpcodes(int options, int opcode, int serviceAction, boolean rctd) {
    byte[] c = of(0xa3, 0x0c, (rctd ? 0x80 : 0) | options, opcode, 0, 0, 0, 0, 0, 0, 0, 0);
    Bytes.putShort(c, 4, serviceAction);
    Bytes.putInt(c, 6, 65535);
    return c;
  }

  /** SANITIZE: byte 1 carries IMMED (0x80), AUSE (0x20) and the service action. */
  static byte[] sanitize(int byte1, int parameterListLength) {
    byte[] c = of(0x48, byte1, 0, 0, 0, 0, 0, 0, 0, 0);
    Bytes.putShort(c, 7, parameterListLength);
    return c;
  }

  /** OVERWRITE parameters: INVERT and OVERWRITE COUNT in byte 0, then the pattern. */
  static byte[] overwriteParameters(boolean invert, int passes, byte[] pattern) {
    byte[] p = new byte[4 + pattern.length];
    p[0] = (byte) ((invert ? 0x80 : 0) | passes);
    Bytes.putShort(p, 2, pattern.length);
    System.arraycopy(pattern, 0, p, 4, pattern.length);
    return p;
  }
}
