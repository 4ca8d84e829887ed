package org.snipblock.cluster.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/** The payload CRC32C is the CRC32C of the bytes, whatever shape of ByteString carries them. */
class ChecksumsTest {
  private static final byte[] BYTES = new byte[3 * 4096 + 17];

  static {
    new Random(10).nextBytes(BYTES);
  }

  private static int expected(byte[] b, int off, int len) {
    CRC32C crc = new CRC32C();
    crc.update(b, off, len);
    return (int) crc.getValue();
  }

  @Test
  void aCopiedPayload() {
    assertEquals(expected(BYTES, 0, BYTES.length), Checksums.crc32c(ByteString.copyFrom(BYTES)));
  }

  @Test
  void aPieceCutFromALargerWrite() {
    ByteString piece = ByteString.copyFrom(BYTES).substring(4096 + 5, 2 * 4096 + 5);
    assertEquals(expected(BYTES, 4096 + 5, 4096), Checksums.crc32c(piece));
  }

  @Test
  void aPayloadMadeOfSeveralParts() {
    ByteString rope = ByteString.copyFrom(BYTES, 0, 100)
        .concat(UnsafeByteOperations.unsafeWrap(ByteBuffer.allocateDirect(4096).put(BYTES, 100, 4096).flip()))
        .concat(ByteString.copyFrom(BYTES, 4196, BYTES.length - 4196));
    assertEquals(expected(BYTES, 0, BYTES.length), Checksums.crc32c(rope));
  }

  @Test
  void aDirectBufferIsLeftAsItWas() {
    ByteBuffer direct = ByteBuffer.allocateDirect(4096).put(BYTES, 0, 4096).flip();
    ByteString wrapped = UnsafeByteOperations.unsafeWrap(direct);
    assertEquals(expected(BYTES, 0, 4096), Checksums.crc32c(wrapped));
    assertEquals(expected(BYTES, 0, 4096), Checksums.crc32c(wrapped));
    assertEquals(0, direct.position());
  }

  @Test
  void anEmptyPayload() {
    assertEquals(expected(BYTES, 0, 0), Checksums.crc32c(ByteString.EMPTY));
  }
}
