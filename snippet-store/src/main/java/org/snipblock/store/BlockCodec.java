package org.snipblock.store;

import java.util.zip.CRC32C;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * The stored form of one 4 KiB chunk: {@code [flags][crc32c][payload]}. The CRC covers the key
 * (volume, chunk number), the flags and the payload, so a value that landed under the wrong key is
 * caught as surely as a flipped bit. Chunks of zeroes store no payload; with compression on, a
 * chunk is kept LZ4-compressed when that makes it smaller.
 */
final class BlockCodec {
  static final int CHUNK = 4096;
  static final int HEADER = 5;
  private static final int ZERO = 1;
  private static final int LZ4 = 2;
  private static final LZ4Factory FACTORY = LZ4Factory.fastestInstance();
  private static final byte[] ZEROES = new byte[CHUNK];

  /** A stored value that fails its checksum or cannot be decoded. */
  static final class CorruptBlockException extends Exception {
    CorruptBlockException(String message) {
      super(message);
    }
  }

  private BlockCodec() {}

  static byte[] encode(long volumeId, long chunk, byte[] data, int off, boolean compress) {
    if (java.util.Arrays.equals(data, off, off + CHUNK, ZEROES, 0, CHUNK)) {
      return seal(volumeId, chunk, ZERO, ZEROES, 0, 0);
    }
    if (compress) {
      LZ4Compressor c = FACTORY.fastCompressor();
      byte[] out = new byte[c.maxCompressedLength(CHUNK)];
      int n = c.compress(data, off, CHUNK, out, 0, out.length);
      if (n < CHUNK - CHUNK / 8) {
        return seal(volumeId, chunk, LZ4, out, 0, n);
      }
    }
    return seal(volumeId, chunk, 0, data, off, CHUNK);
  }

  /** An allocated chunk that reads as zeroes (write-zeroes without unmap). */
  static byte[] zeroes(long volumeId, long chunk) {
    return seal(volumeId, chunk, ZERO, ZEROES, 0, 0);
  }

  static boolean isZero(byte[] value) {
    return value.length >= 1 && (value[0] & ZERO) != 0;
  }

  /** Decodes into {@code out[off..off+4096)} after verifying the checksum. */
  static void decode(long volumeId, long chunk, byte[] value, byte[] out, int off)
      throws CorruptBlockException {
    decode(volumeId, chunk, value, java.nio.ByteBuffer.wrap(out), off);
  }

  /**
   * Decodes into {@code out} at index {@code at} (4096 bytes; position and limit untouched) after
   * verifying the checksum: a read lands in the caller's buffer, heap or direct, in one copy.
   */
  static void decode(long volumeId, long chunk, byte[] value, java.nio.ByteBuffer out, int at)
      throws CorruptBlockException {
    if (value.length < HEADER) {
      throw new CorruptBlockException("stored value of " + value.length + " bytes is too short");
    }
    int flags = value[0] & 0xff;
    int crc = ((value[1] & 0xff) << 24) | ((value[2] & 0xff) << 16) | ((value[3] & 0xff) << 8) | (value[4] & 0xff);
    if (crc != crcOf(volumeId, chunk, flags, value, HEADER, value.length - HEADER)) {
      throw new CorruptBlockException("CRC32C mismatch");
    }
    int payload = value.length - HEADER;
    if ((flags & ZERO) != 0) {
      if (payload != 0) {
        throw new CorruptBlockException("zero chunk with payload");
      }
      out.put(at, ZEROES, 0, CHUNK);
    } else if ((flags & LZ4) != 0) {
      try {
        LZ4SafeDecompressor d = FACTORY.safeDecompressor();
        int n = d.decompress(java.nio.ByteBuffer.wrap(value), HEADER, payload, out, at, CHUNK);
        if (n != CHUNK) {
          throw new CorruptBlockException("LZ4 chunk decompressed to " + n + " bytes");
        }
      } catch (net.jpountz.lz4.LZ4Exception e) {
        throw new CorruptBlockException("LZ4 payload does not decompress: " + e.getMessage());
      }
    } else if (payload == CHUNK) {
      out.put(at, value, HEADER, CHUNK);
    } else {
      throw new CorruptBlockException("raw chunk of " + payload + " bytes");
    }
  }

  /** Zeroes {@code out[at..at+4096)}: a chunk no layer holds. */
  static void zero(java.nio.ByteBuffer out, int at) {
    out.put(at, ZEROES, 0, CHUNK);
  }

  private static byte[] seal(long volumeId, long chunk, int flags, byte[] payload, int off, int len) {
    byte[] v = new byte[HEADER + len];
    v[0] = (byte) flags;
    System.arraycopy(payload, off, v, HEADER, len);
    int crc = crcOf(volumeId, chunk, flags, v, HEADER, len);
    v[1] = (byte) (crc >>> 24);
    v[2] = (byte) (crc >>> 16);
    v[3] = (byte) (crc >>> 8);
    v[4] = (byte) crc;
    return v;
  }

  /**
   * The CRC32C of a chunk in an extent file: over the file's owner, the slot and the 4096 bytes at
   * {@code at}, so data read from the wrong file or slot fails as surely as a flipped bit.
   */
  static int extentCrc(long owner, int slot, java.nio.ByteBuffer data, int at) {
    CRC32C c = new CRC32C();
    c.update(java.nio.ByteBuffer.allocate(12).putLong(owner).putInt(slot).flip());
    c.update(data.slice(at, CHUNK));
    return (int) c.getValue();
  }

  /** True if the 4096 bytes at {@code off} are all zero. */
  static boolean isZero(byte[] data, int off) {
    return java.util.Arrays.equals(data, off, off + CHUNK, ZEROES, 0, CHUNK);
  }

  private static final java.nio.ByteBuffer ZERO_CHUNK = java.nio.ByteBuffer.wrap(ZEROES).asReadOnlyBuffer();

  /** True if the 4096 bytes at index {@code at} of {@code data} (heap or direct) are all zero. */
  static boolean isZero(java.nio.ByteBuffer data, int at) {
    return data.slice(at, CHUNK).mismatch(ZERO_CHUNK.duplicate()) < 0;
  }

  private static int crcOf(long volumeId, long chunk, int flags, byte[] b, int off, int len) {
    CRC32C c = new CRC32C();
    c.update(StoreDb.key(volumeId, chunk));
    c.update(flags);
    c.update(b, off, len);
    return (int) c.getValue();
  }
}
