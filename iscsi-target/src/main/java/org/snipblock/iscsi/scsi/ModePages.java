package org.snipblock.iscsi.scsi;

import java.io.ByteArrayOutputStream;

/**
 * The mode pages we keep, encoded for each page control: read-write error recovery (01h),
 * caching (08h, WCE changeable) and control (0Ah, D_SENSE and SWP changeable).
 */
final class ModePages {
  static final int READ_WRITE_ERROR_RECOVERY = 0x01;
  static final int CACHING = 0x08;
  static final int CONTROL = 0x0a;
  static final int ALL_PAGES = 0x3f;

  static final int[] SUPPORTED = {READ_WRITE_ERROR_RECOVERY, CACHING, CONTROL};

  enum PageControl { CURRENT, CHANGEABLE, DEFAULT }

  private ModePages() {}

  static boolean supported(int page) {
    for (int p : SUPPORTED) {
      if (p == page) {
        return true;
      }
    }
    return false;
  }

  /** One page, or all pages for 3Fh. */
  static byte[] encode(int page, PageControl pc, ModeParameters current) {
    if (page != ALL_PAGES) {
      return page(page, pc, current);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int p : SUPPORTED) {
      out.writeBytes(page(p, pc, current));
    }
    return out.toByteArray();
  }

  static byte[] page(int page, PageControl pc, ModeParameters current) {
    return switch (page) {
      case READ_WRITE_ERROR_RECOVERY -> readWriteErrorRecovery(pc);
      case CACHING -> caching(pc, current);
      case CONTROL -> control(pc, current);
      default -> throw new IllegalArgumentException("unsupported mode page " + page);
    };
  }

  private static byte[] readWriteErrorRecovery(PageControl pc) {
    byte[] b = new byte[12];
    b[0] = READ_WRITE_ERROR_RECOVERY;
    b[1] = 0x0a;
    return b;
  }

  private static byte[] caching(PageControl pc, ModeParameters current) {
    byte[] b = new byte[20];
    b[0] = CACHING;
    b[1] = 0x12;
    boolean wce = switch (pc) {
      case CURRENT -> current.writeCacheEnabled();
      case CHANGEABLE, DEFAULT -> true;
    };
    if (wce) {
      b[2] |= 0x04;
    }
    return b;
  }

  private static byte[] control(PageControl pc, ModeParameters current) {
    byte[] b = new byte[12];
    b[0] = CONTROL;
    b[1] = 0x0a;
    switch (pc) {
      case CHANGEABLE -> {
        b[2] = 0x04; // D_SENSE
        b[4] = 0x08; // SWP
      }
      case CURRENT, DEFAULT -> {
        boolean def = pc == PageControl.DEFAULT;
        if (!def && current.descriptorSense()) {
          b[2] |= 0x04;
        }
        b[3] = 0x10; // QUEUE ALGORITHM MODIFIER 1: unrestricted reordering
        if (!def && current.softwareWriteProtect()) {
          b[4] |= 0x08;
        }
        Bytes.putShort(b, 8, 0xffff); // BUSY TIMEOUT PERIOD: unlimited
      }
      default -> { }
    }
    return b;
  }
}
