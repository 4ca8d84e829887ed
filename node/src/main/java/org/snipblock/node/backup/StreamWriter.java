package org.snipblock.node.backup;

import static org.snipblock.node.backup.StreamFormat.KIND_DATA;
import static org.snipblock.node.backup.StreamFormat.KIND_END;
import static org.snipblock.node.backup.StreamFormat.KIND_ZERO;
import static org.snipblock.node.backup.StreamFormat.MAX_EXTENT;

import java.io.DataOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * Writes a backup stream: the header, extents in increasing offset order (data extents at most
 * {@link StreamFormat#MAX_EXTENT} long, zero extents longer ones cut up), then the trailer.
 */
public final class StreamWriter {
  private final CRC32C streamCrc = new CRC32C();
  private final DataOutputStream out;
  private final StreamHeader header;
  private long nextOffset;
  private long extents;
  private long dataBytes;

  public StreamWriter(OutputStream sink, StreamHeader header) throws IOException {
    this.out = new DataOutputStream(new FilterOutputStream(sink) {
      @Override
      public void write(int b) throws IOException {
        streamCrc.update(b);
        out.write(b);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        streamCrc.update(b, off, len);
        out.write(b, off, len);
      }
    });
    this.header = header;
    out.write(StreamFormat.MAGIC);
    out.writeShort(StreamFormat.VERSION);
    out.writeShort(header.incremental() ? StreamFormat.FLAG_INCREMENTAL : 0);
    out.writeLong(header.volumeSize());
    out.writeInt(header.blockSize());
    out.writeLong(header.snapshotId());
    out.writeLong(header.baseId());
    name(header.volume());
    name(header.snapshot());
    name(header.baseSnapshot());
    out.writeInt((int) streamCrc.getValue());
  }

  private void name(String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length > StreamFormat.MAX_NAME) {
      throw new IllegalArgumentException("name too long: " + s);
    }
    out.writeShort(b.length);
    out.write(b);
  }

  /** Writes {@code data} (at most MAX_EXTENT bytes) as one data extent. */
  public void data(long offset, byte[] data, int length) throws IOException {
    if (length > MAX_EXTENT) {
      throw new IllegalArgumentException("data extent of " + length + " bytes exceeds " + MAX_EXTENT);
    }
    extent(KIND_DATA, offset, length, data);
    dataBytes += length;
  }

  /** Writes a range that reads as zeroes, as zero extents. */
  public void zero(long offset, long length) throws IOException {
    for (long done = 0; done < length; ) {
      int n = (int) Math.min(length - done, Integer.MAX_VALUE / header.blockSize() * (long) header.blockSize());
      extent(KIND_ZERO, offset + done, n, null);
      done += n;
    }
  }

  private void extent(int kind, long offset, int length, byte[] data) throws IOException {
    if (offset < nextOffset || length <= 0 || offset % header.blockSize() != 0 || length % header.blockSize() != 0
        || offset + length > header.volumeSize()) {
      throw new IllegalArgumentException("bad extent " + offset + "+" + length + " after " + nextOffset);
    }
    out.writeByte(kind);
    out.writeLong(offset);
    out.writeInt(length);
    out.writeInt((int) extentCrc(kind, offset, length, data));
    if (data != null) {
      out.write(data, 0, length);
    }
    nextOffset = offset + length;
    extents++;
  }

  /** The CRC32C an extent carries: over its kind, offset and length fields and its data. */
  static long extentCrc(int kind, long offset, int length, byte[] data) {
    CRC32C crc = new CRC32C();
    crc.update(ByteBuffer.allocate(13).put((byte) kind).putLong(offset).putInt(length).flip());
    if (data != null) {
      crc.update(data, 0, length);
    }
    return crc.getValue();
  }

  /** Writes the trailer and flushes; nothing may be written after. */
  public void finish() throws IOException {
    out.writeByte(KIND_END);
    out.writeLong(extents);
    out.writeLong(dataBytes);
    out.writeInt((int) streamCrc.getValue());
    out.flush();
  }

  public long dataBytes() {
    return dataBytes;
  }
}
