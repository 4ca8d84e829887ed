package org.snipblock.iscsi.scsi;

import org.snipblock.iscsi.scsi.ModePages.PageControl;

/**
 * Validates a MODE SELECT parameter list against what may change (SPC-4 6.11) and computes the
 * resulting parameters from the current ones; it changes nothing itself.
 */
final class ModeSelectParameters {
  private ModeSelectParameters() {}

  static ModeParameters.Values apply(byte[] p, boolean ten, int blockSize, ModeParameters current) {
    int headerLength = ten ? 8 : 4;
    if (p.length < headerLength) {
      throw new CheckCondition(Sense.parameterListLengthError());
    }
    int descriptorLength = ten ? Bytes.u16(p, 6) : Bytes.u8(p, 3);
    boolean longLba = ten && (p[4] & 0x01) != 0;
    if (descriptorLength != 0 && descriptorLength != (longLba ? 16 : 8)) {
      throw CheckCondition.invalidParameter(ten ? 6 : 3, -1);
    }
    if (headerLength + descriptorLength > p.length) {
      throw new CheckCondition(Sense.parameterListLengthError());
    }
    if (descriptorLength > 0) {
      int at = headerLength + (longLba ? 12 : 5);
      int blockLength = longLba ? (int) Bytes.u32(p, at) : Bytes.u24(p, at);
      if (blockLength != blockSize) {
        throw CheckCondition.invalidParameter(at, -1);
      }
    }
    ModeParameters next = current.copy();
    int at = headerLength + descriptorLength;
    while (at < p.length) {
      if (at + 2 > p.length) {
        throw new CheckCondition(Sense.parameterListLengthError());
      }
      int code = p[at] & 0x3f;
      if ((p[at] & 0xc0) != 0) {
        throw CheckCondition.invalidParameter(at, (p[at] & 0x80) != 0 ? 7 : 6); // PS, SPF
      }
      if (!ModePages.supported(code)) {
        throw CheckCondition.invalidParameter(at, 5);
      }
      byte[] page = ModePages.page(code, PageControl.CURRENT, next);
      byte[] changeable = ModePages.page(code, PageControl.CHANGEABLE, next);
      if ((p[at + 1] & 0xff) != page.length - 2) {
        throw CheckCondition.invalidParameter(at + 1, -1);
      }
      if (at + page.length > p.length) {
        throw new CheckCondition(Sense.parameterListLengthError());
      }
      for (int i = 2; i < page.length; i++) {
        int diff = (p[at + i] ^ page[i]) & ~changeable[i] & 0xff;
        if (diff != 0) {
          throw CheckCondition.invalidParameter(at + i, 31 - Integer.numberOfLeadingZeros(diff));
        }
      }
      switch (code) {
        case ModePages.CACHING -> next.set((p[at + 2] & 0x04) != 0, next.softwareWriteProtect(), next.descriptorSense());
        case ModePages.CONTROL -> next.set(next.writeCacheEnabled(), (p[at + 4] & 0x08) != 0, (p[at + 2] & 0x04) != 0);
        default -> { }
      }
      at += page.length;
    }
    return next.values();
  }
}
