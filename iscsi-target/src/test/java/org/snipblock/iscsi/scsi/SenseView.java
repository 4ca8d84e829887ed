package org.snipblock.iscsi.scsi;

/** Decodes fixed or descriptor sense data for assertions. */
record SenseView(boolean descriptor, int key, int asc, int ascq, Long information, int fieldPointer, boolean inCdb) {

  static SenseView parse(byte[] s) {
    if (s == null || s.length < 8) {
      throw new AssertionError("no sense data");
    }
    int code = s[0] & 0x7f;
    if (code == 0x72 || code == 0x73) {
      Long info = null;
      int pointer = -1;
      boolean cd = false;
      int at = 8;
      while (at + 2 <= s.length) {
        int type = s[at] & 0xff;
        int len = s[at + 1] & 0xff;
        if (type == 0x00) {
          info = Bytes.u64(s, at + 4);
        } else if (type == 0x02 && (s[at + 4] & 0x80) != 0) {
          cd = (s[at + 4] & 0x40) != 0;
          pointer = Bytes.u16(s, at + 5);
        }
        at += 2 + len;
      }
      return new SenseView(true, s[1] & 0x0f, s[2] & 0xff, s[3] & 0xff, info, pointer, cd);
    }
    if (code != 0x70 && code != 0x71) {
      throw new AssertionError("unknown sense response code " + code);
    }
    Long info = (s[0] & 0x80) != 0 ? Bytes.u32(s, 3) : null;
    boolean sksv = s.length >= 18 && (s[15] & 0x80) != 0;
    return new SenseView(false, s[2] & 0x0f, s[12] & 0xff, s[13] & 0xff, info,
        sksv ? Bytes.u16(s, 16) : -1, sksv && (s[15] & 0x40) != 0);
  }

  static String describe(byte[] sense) {
    return sense == null ? "none" : parse(sense).toString();
  }
}
