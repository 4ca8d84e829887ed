package org.snipblock.cluster.replica;

import com.google.protobuf.ByteOutput;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/** CRC32C of replicated payloads, computed by the sender and verified by the receiver. */
public final class Checksums {
  private Checksums() {}

  public static long crc32c(ByteBuffer data) {
    CRC32C crc = new CRC32C();
    crc.update(data);
    return crc.getValue();
  }

  public static int crc32c(ByteString data) {
    CRC32C crc = new CRC32C();
    // Not asReadOnlyByteBufferList(): a read-only heap buffer hides its array, so CRC32C copied
    // every payload through a scratch array (on the primary's door thread before the response, and
    // again on each replica). The ByteString hands its own arrays or buffers here, read only.
    try {
      UnsafeByteOperations.unsafeWriteTo(data, new CrcOutput(crc));
    } catch (IOException e) {
      throw new UncheckedIOException(e); // CrcOutput throws none
    }
    return (int) crc.getValue();
  }

  private static final class CrcOutput extends ByteOutput {
    private final CRC32C crc;

    CrcOutput(CRC32C crc) {
      this.crc = crc;
    }

    @Override
    public void write(byte value) {
      crc.update(value);
    }

    @Override
    public void write(byte[] value, int offset, int length) {
      crc.update(value, offset, length);
    }

    @Override
    public void writeLazy(byte[] value, int offset, int length) {
      crc.update(value, offset, length);
    }

    @Override
    public void write(ByteBuffer value) {
      crc.update(value.duplicate());
    }

    @Override
    public void writeLazy(ByteBuffer value) {
      crc.update(value.duplicate());
    }
  }
}
