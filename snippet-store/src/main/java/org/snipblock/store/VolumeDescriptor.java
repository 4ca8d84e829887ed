package org.snipblock.store;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Instant;

/**
 * What defines a volume: the catalog entry, and the part of it every snippet label carries so the
 * catalog can be rebuilt from labels alone. The id is also the BlockDevice's unique id.
 */
public record VolumeDescriptor(
    long id, String name, long size, int snippetSize, int blockSize, boolean compression,
    long createdMillis, boolean readOnly) {

  /** Catalog format: 1 had no read-only flag; 2 appends it after the fields labels carry. */
  static final int FORMAT = 2;

  public long snippets() {
    return (size + snippetSize - 1) / snippetSize;
  }

  public Instant created() {
    return Instant.ofEpochMilli(createdMillis);
  }

  VolumeDescriptor withSize(long newSize) {
    return new VolumeDescriptor(id, name, newSize, snippetSize, blockSize, compression, createdMillis, readOnly);
  }

  VolumeDescriptor withReadOnly(boolean ro) {
    return new VolumeDescriptor(id, name, size, snippetSize, blockSize, compression, createdMillis, ro);
  }

  /** Versioned binary form sealed with CRC32C (the catalog value). */
  public byte[] encode() {
    ByteArrayOutputStream bos = new ByteArrayOutputStream(64);
    try (DataOutputStream out = new DataOutputStream(bos)) {
      out.writeByte(FORMAT);
      writeFields(out);
      out.writeBoolean(readOnly);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return Crc32cFrame.seal(bos.toByteArray());
  }

  public static VolumeDescriptor decode(byte[] sealed) {
    byte[] body = Crc32cFrame.open(sealed, "volume descriptor");
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(body))) {
      int format = in.readUnsignedByte();
      if (format != 1 && format != FORMAT) {
        throw new IllegalArgumentException("unknown volume descriptor format " + format);
      }
      VolumeDescriptor d = readFields(in);
      return format == 1 ? d : d.withReadOnly(in.readBoolean());
    } catch (IOException e) {
      throw new IllegalArgumentException("truncated volume descriptor", e);
    }
  }

  /** The fields a snippet label carries (format 1: without the read-only flag). */
  void writeFields(DataOutputStream out) throws IOException {
    out.writeLong(id);
    out.writeUTF(name);
    out.writeLong(size);
    out.writeInt(snippetSize);
    out.writeInt(blockSize);
    out.writeBoolean(compression);
    out.writeLong(createdMillis);
  }

  static VolumeDescriptor readFields(DataInputStream in) throws IOException {
    return new VolumeDescriptor(in.readLong(), in.readUTF(), in.readLong(), in.readInt(),
        in.readInt(), in.readBoolean(), in.readLong(), false);
  }
}
