package org.snipblock.node.backup;

import static org.snipblock.node.backup.StreamFormat.KIND_DATA;
import static org.snipblock.node.backup.StreamFormat.KIND_END;
import static org.snipblock.node.backup.StreamFormat.KIND_ZERO;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Reads and checks a backup stream: every field is checked before it is believed, every extent's
 * CRC32C before it is handed out, and the trailer's counts and whole-stream checksum at the end. A
 * stream that fails any check ends in a {@link StreamFormatException} naming the byte or extent.
 */
public final class StreamReader {
  /** One extent: {@code data} is null for a range that reads as zeroes. */
  public record Extent(long offset, long length, byte[] data) {
    public boolean zero() {
      return data == null;
    }
  }

  private final CRC32C streamCrc = new CRC32C();
  private final DataInputStream in;
  private final StreamHeader header;
  private long position;
  private long nextOffset;
  private long extents;
  private long dataBytes;
  private boolean ended;

  public StreamReader(InputStream source) throws IOException {
    this.in = new DataInputStream(new FilterInputStream(source) {
      @Override
      public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
          streamCrc.update(b);
          position++;
        }
        return b;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n > 0) {
          streamCrc.update(b, off, n);
          position += n;
        }
        return n;
      }
    });
    this.header = readHeader();
  }

  public StreamHeader header() {
    return header;
  }

  private StreamHeader readHeader() throws IOException {
    try {
      byte[] magic = new byte[StreamFormat.MAGIC.length];
      in.readFully(magic);
      if (!Arrays.equals(magic, StreamFormat.MAGIC)) {
        throw new StreamFormatException("not a snipblock backup stream (bad magic)");
      }
      int version = in.readUnsignedShort();
      if (version != StreamFormat.VERSION) {
        throw new StreamFormatException("backup stream format version " + version + " is not supported (only "
            + StreamFormat.VERSION + ")");
      }
      int flags = in.readUnsignedShort();
      if ((flags & ~StreamFormat.FLAG_INCREMENTAL) != 0) {
        throw new StreamFormatException("unknown header flags 0x" + Integer.toHexString(flags));
      }
      long size = in.readLong();
      int blockSize = in.readInt();
      long snapshotId = in.readLong();
      long baseId = in.readLong();
      String volume = name("volume");
      String snapshot = name("snapshot");
      String base = name("base snapshot");
      long expected = streamCrc.getValue();
      if ((in.readInt() & 0xFFFFFFFFL) != expected) {
        throw new StreamFormatException("header checksum mismatch");
      }
      if (blockSize != 512 && blockSize != 4096) {
        throw new StreamFormatException("bad block size " + blockSize + " in the header");
      }
      if (size <= 0 || size % blockSize != 0) {
        throw new StreamFormatException("bad volume size " + size + " in the header");
      }
      if (((flags & StreamFormat.FLAG_INCREMENTAL) != 0) != (baseId != 0) || snapshot.isEmpty()) {
        throw new StreamFormatException("inconsistent header: incremental flag, base id and snapshot disagree");
      }
      return new StreamHeader(size, blockSize, volume, snapshot, snapshotId, base, baseId);
    } catch (EOFException e) {
      throw truncated("in the header");
    }
  }

  private String name(String what) throws IOException {
    int n = in.readUnsignedShort();
    if (n > StreamFormat.MAX_NAME) {
      throw new StreamFormatException("the " + what + " name in the header is " + n + " bytes long");
    }
    byte[] b = new byte[n];
    in.readFully(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  /** The next extent, checked; null once the trailer has been read and checked. */
  public Extent next() throws IOException {
    if (ended) {
      return null;
    }
    int kind;
    try {
      kind = in.readUnsignedByte();
    } catch (EOFException e) {
      throw truncated("before the trailer");
    }
    if (kind == KIND_END) {
      trailer();
      return null;
    }
    if (kind != KIND_DATA && kind != KIND_ZERO) {
      throw new StreamFormatException("unknown extent kind " + kind + " at byte " + (position - 1));
    }
    long offset = -1;
    try {
      offset = in.readLong();
      long length = in.readInt() & 0xFFFFFFFFL;
      long crc = in.readInt() & 0xFFFFFFFFL;
      check(kind, offset, length);
      byte[] data = null;
      if (kind == KIND_DATA) {
        data = new byte[(int) length];
        in.readFully(data);
      }
      if (StreamWriter.extentCrc(kind, offset, (int) length, data) != crc) {
        throw new StreamFormatException("extent at offset " + offset + ": CRC32C mismatch (damaged stream)");
      }
      nextOffset = offset + length;
      extents++;
      dataBytes += data == null ? 0 : length;
      return new Extent(offset, length, data);
    } catch (EOFException e) {
      throw truncated(offset < 0 ? "in an extent header" : "in the extent at offset " + offset);
    }
  }

  private void check(int kind, long offset, long length) throws StreamFormatException {
    int bs = header.blockSize();
    String at = "extent at offset " + offset + " (" + length + " bytes)";
    if (offset < 0 || offset >= header.volumeSize() || length > header.volumeSize() - offset) {
      throw new StreamFormatException(at + " lies beyond the volume size " + header.volumeSize());
    }
    if (length == 0 || offset % bs != 0 || length % bs != 0) {
      throw new StreamFormatException(at + " is empty or not aligned to the block size " + bs);
    }
    if (offset < nextOffset) {
      throw new StreamFormatException(at + " overlaps or precedes the previous extent");
    }
    if (kind == KIND_DATA && length > StreamFormat.MAX_EXTENT) {
      throw new StreamFormatException(at + " is longer than " + StreamFormat.MAX_EXTENT + " bytes of data");
    }
  }

  private void trailer() throws IOException {
    try {
      long count = in.readLong();
      long bytes = in.readLong();
      long expected = streamCrc.getValue();
      long crc = in.readInt() & 0xFFFFFFFFL;
      if (count != extents || bytes != dataBytes) {
        throw new StreamFormatException("the trailer counts " + count + " extents of " + bytes
            + " data bytes, the stream held " + extents + " of " + dataBytes);
      }
      if (crc != expected) {
        throw new StreamFormatException("whole-stream checksum mismatch (damaged stream)");
      }
    } catch (EOFException e) {
      throw truncated("in the trailer");
    }
    if (in.read() >= 0) {
      throw new StreamFormatException("data after the trailer at byte " + (position - 1));
    }
    ended = true;
  }

  private StreamFormatException truncated(String where) {
    return new StreamFormatException("stream truncated at byte " + position + " (" + where + ")");
  }

  public long extents() {
    return extents;
  }

  public long dataBytes() {
    return dataBytes;
  }

  /** Bytes of the stream read so far. */
  public long position() {
    return position;
  }
}
