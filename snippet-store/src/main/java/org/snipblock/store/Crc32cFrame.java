package org.snipblock.store;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/** Seals a small record with a trailing CRC32C and checks it: descriptors and labels use it. */
final class Crc32cFrame {
  private Crc32cFrame() {}

  static byte[] seal(byte[] body) {
    CRC32C c = new CRC32C();
    c.update(body);
    return ByteBuffer.allocate(body.length + 4).put(body).putInt((int) c.getValue()).array();
  }

  /** The body, or throws if the CRC does not match. */
  static byte[] open(byte[] sealed, String what) {
    if (sealed.length < 5) {
      throw new IllegalArgumentException(what + " too short: " + sealed.length + " bytes");
    }
    CRC32C c = new CRC32C();
    c.update(sealed, 0, sealed.length - 4);
    int stored = ByteBuffer.wrap(sealed, sealed.length - 4, 4).getInt();
    if (stored != (int) c.getValue()) {
      throw new IllegalArgumentException(what + " fails its CRC32C");
    }
    return java.util.Arrays.copyOf(sealed, sealed.length - 4);
  }
}
