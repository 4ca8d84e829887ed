package org.snipblock.iscsi.scsi;

/** Encodes {@link Sense} as SPC-4 fixed (70h) or descriptor (72h) format sense data. */
final class SenseEncoder {
  private SenseEncoder() {}

  static byte[] encode(Sense s, boolean descriptor) {
    return descriptor ? descriptorFormat(s) : fixedFormat(s);
  }

  private static byte[] fixedFormat(Sense s) {
    byte[] b = new byte[18];
    b[0] = (byte) 0x70;
    b[2] = (byte) (s.key() & 0x0f);
    if (s.information() != null) {
      b[0] |= (byte) 0x80;
      Bytes.putInt(b, 3, (int) s.information().longValue());
    }
    b[7] = 10;
    b[12] = (byte) s.asc();
    b[13] = (byte) s.ascq();
    if (s.hasFieldPointer()) {
      putSenseKeySpecific(b, 15, s);
    }
    return b;
  }

  private static byte[] descriptorFormat(Sense s) {
    int len = 8 + (s.information() != null ? 12 : 0) + (s.hasFieldPointer() ? 8 : 0);
    byte[] b = new byte[len];
    b[0] = (byte) 0x72;
    b[1] = (byte) (s.key() & 0x0f);
    b[2] = (byte) s.asc();
    b[3] = (byte) s.ascq();
    b[7] = (byte) (len - 8);
    int p = 8;
    if (s.information() != null) {
      b[p] = 0x00; // information descriptor
      b[p + 1] = 0x0a;
      b[p + 2] = (byte) 0x80; // VALID
      Bytes.putLong(b, p + 4, s.information());
      p += 12;
    }
    if (s.hasFieldPointer()) {
      b[p] = 0x02; // sense key specific descriptor
      b[p + 1] = 0x06;
      putSenseKeySpecific(b, p + 4, s);
    }
    return b;
  }

  private static void putSenseKeySpecific(byte[] b, int at, Sense s) {
    int first = 0x80; // SKSV
    if (s.inCdb()) {
      first |= 0x40;
    }
    if (s.bitPointer() >= 0) {
      first |= 0x08 | (s.bitPointer() & 0x07);
    }
    b[at] = (byte) first;
    Bytes.putShort(b, at + 1, s.fieldPointer());
  }
}
