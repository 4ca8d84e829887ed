package org.snipblock.cluster.replica;

import com.google.protobuf.ByteString;
import java.util.zip.CRC32C;

/** CRC32C of replicated payloads, computed by the sender and verified by the receiver. */
public final class Checksums {
  private Checksums() {}

  public static long crc32c(java.nio.ByteBuffer data) {
    CRC32C crc = new CRC32C();
    crc.update(data);
    return crc.getValue();
  }

  public static int crc32c(ByteString data) {
    CRC32C crc = new CRC32C();
    for (java.nio.ByteBuffer b : data.asReadOnlyByteBufferList()) {
      crc.update(b);
    }
    return (int) crc.getValue();
  }
}
