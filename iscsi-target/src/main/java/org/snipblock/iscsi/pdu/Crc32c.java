package org.snipblock.iscsi.pdu;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/** The iSCSI digest (RFC 7143 section 13.1): CRC32C, sent least significant byte first. */
final class Crc32c {
  private Crc32c() {}

  static int of(byte[]... parts) {
    CRC32C crc = new CRC32C();
    for (byte[] p : parts) {
      crc.update(p, 0, p.length);
    }
    return (int) crc.getValue();
  }

  /** Digest of the data segment and its padding, not consuming {@code data}. */
  static int ofData(ByteBuffer data, int padding) {
    CRC32C crc = new CRC32C();
    crc.update(data.duplicate());
    for (int i = 0; i < padding; i++) {
      crc.update(0);
    }
    return (int) crc.getValue();
  }

  /** As {@link #ofData(ByteBuffer, int)} for a data segment that arrived in pieces. */
  static int ofData(ByteBuffer[] parts, int padding) {
    CRC32C crc = new CRC32C();
    for (ByteBuffer part : parts) {
      crc.update(part.duplicate());
    }
    for (int i = 0; i < padding; i++) {
      crc.update(0);
    }
    return (int) crc.getValue();
  }

  static int padding(int length) {
    return (4 - (length & 3)) & 3;
  }
}
