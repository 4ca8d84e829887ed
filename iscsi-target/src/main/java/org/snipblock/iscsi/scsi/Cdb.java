package org.snipblock.iscsi.scsi;

/**
 * A received CDB with checked field access: reading past its end or finding a reserved bit set
 * ends the command with INVALID FIELD IN CDB pointing at the offending byte.
 */
final class Cdb {
  private final byte[] bytes;

  Cdb(byte[] bytes) {
    if (bytes == null || bytes.length == 0) {
      throw new CheckCondition(Sense.invalidOpcode());
    }
    this.bytes = bytes;
  }

  int opcode() {
    return bytes[0] & 0xff;
  }

  /** Service action: the low five bits of byte 1, as used by 7Fh/9Eh/A3h/5Eh/5Fh-style CDBs. */
  int serviceAction() {
    return u8(1) & 0x1f;
  }

  int length() {
    return bytes.length;
  }

  /** The CDB must be at least {@code n} bytes long (the transport pads to 16, but be safe). */
  void requireLength(int n) {
    if (bytes.length < n) {
      throw CheckCondition.invalidField(bytes.length, -1);
    }
  }

  int u8(int at) {
    check(at, 1);
    return Bytes.u8(bytes, at);
  }

  int u16(int at) {
    check(at, 2);
    return Bytes.u16(bytes, at);
  }

  int u24(int at) {
    check(at, 3);
    return Bytes.u24(bytes, at);
  }

  long u32(int at) {
    check(at, 4);
    return Bytes.u32(bytes, at);
  }

  long u64(int at) {
    check(at, 8);
    return Bytes.u64(bytes, at);
  }

  boolean bit(int at, int bit) {
    return (u8(at) & (1 << bit)) != 0;
  }

  /** Fails with a field pointer at the first set bit of {@code mask} in byte {@code at}. */
  void reserved(int at, int mask) {
    int v = u8(at) & mask;
    if (v != 0) {
      throw CheckCondition.invalidField(at, 31 - Integer.numberOfLeadingZeros(v));
    }
  }

  /** Reserved whole bytes {@code from..to} inclusive. */
  void reservedBytes(int from, int to) {
    for (int i = from; i <= to; i++) {
      reserved(i, 0xff);
    }
  }

  /** The CONTROL byte: NACA and LINK are not supported (SAM-5), vendor bits ignored. */
  void control(int at) {
    reserved(at, 0x07);
  }

  private void check(int at, int n) {
    if (at + n > bytes.length) {
      throw CheckCondition.invalidField(Math.min(at, bytes.length), -1);
    }
  }
}
