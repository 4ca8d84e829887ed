package org.snipblock.node.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/** The backup stream format: a round trip, and every kind of malformed stream refused, saying where. */
class StreamFormatTest {
  private static final long SIZE = 1 << 20;
  private static final StreamHeader FULL = new StreamHeader(SIZE, 512, "web1", "s1", 42, "", 0);

  private static byte[] filled(int n, int v) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) v);
    return b;
  }

  private static byte[] sample(StreamHeader h) throws IOException {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    StreamWriter w = new StreamWriter(bos, h);
    w.data(0, filled(4096, 1), 4096);
    w.zero(8192, 65536);
    w.data(SIZE - 512, filled(512, 2), 512);
    w.finish();
    return bos.toByteArray();
  }

  private static List<StreamReader.Extent> readAll(byte[] stream) throws IOException {
    StreamReader r = new StreamReader(new ByteArrayInputStream(stream));
    List<StreamReader.Extent> out = new ArrayList<>();
    for (StreamReader.Extent e; (e = r.next()) != null; ) {
      out.add(e);
    }
    assertThat(r.next()).isNull();
    return out;
  }

  private static String refusal(byte[] stream) {
    try {
      readAll(stream);
    } catch (StreamFormatException e) {
      return e.getMessage();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("a malformed stream was accepted");
  }

  /** The header's length for FULL: magic, version, flags, size, block size, ids, names, CRC. */
  private static final int HEADER = 8 + 2 + 2 + 8 + 4 + 8 + 8 + (2 + 4) + (2 + 2) + 2 + 4;

  @Test
  void roundTrip() throws IOException {
    StreamHeader inc = new StreamHeader(SIZE, 4096, "web1", "s2", 43, "s1", 42);
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    StreamWriter w = new StreamWriter(bos, inc);
    w.data(4096, filled(4096, 7), 4096);
    w.finish();
    StreamReader r = new StreamReader(new ByteArrayInputStream(bos.toByteArray()));
    assertThat(r.header()).isEqualTo(inc);
    assertThat(r.header().incremental()).isTrue();
    StreamReader.Extent e = r.next();
    assertThat(e.offset()).isEqualTo(4096);
    assertThat(e.data()).isEqualTo(filled(4096, 7));
    assertThat(r.next()).isNull();

    List<StreamReader.Extent> all = readAll(sample(FULL));
    assertThat(all).hasSize(3);
    assertThat(all.get(1).zero()).isTrue();
    assertThat(all.get(1).length()).isEqualTo(65536);
  }

  @Test
  void truncatedAnywhereIsRefusedWithThePlace() throws IOException {
    byte[] s = sample(FULL);
    assertThat(refusal(Arrays.copyOf(s, 0))).contains("truncated at byte 0").contains("header");
    assertThat(refusal(Arrays.copyOf(s, 10))).contains("truncated").contains("header");
    assertThat(refusal(Arrays.copyOf(s, HEADER))).contains("truncated").contains("before the trailer");
    assertThat(refusal(Arrays.copyOf(s, HEADER + 5))).contains("truncated").contains("extent header");
    assertThat(refusal(Arrays.copyOf(s, HEADER + 17 + 100))).contains("in the extent at offset 0");
    assertThat(refusal(Arrays.copyOf(s, s.length - 1))).contains("in the trailer");
  }

  @Test
  void badMagicVersionFlagsOrHeaderChecksum() throws IOException {
    byte[] s = sample(FULL);
    byte[] magic = s.clone();
    magic[0] = 'X';
    assertThat(refusal(magic)).contains("bad magic");
    byte[] version = s.clone();
    version[9] = 2;
    assertThat(refusal(version)).contains("version 2 is not supported");
    byte[] flags = s.clone();
    flags[11] = 4;
    assertThat(refusal(flags)).contains("unknown header flags");
    byte[] name = s.clone();
    name[HEADER - 10] ^= 1; // inside the volume's name
    assertThat(refusal(name)).contains("header checksum mismatch");
    byte[] nameLength = s.clone();
    nameLength[40] = (byte) 0xff;
    assertThat(refusal(nameLength)).contains("name in the header is");
  }

  @Test
  void aDamagedExtentNamesItsOffset() throws IOException {
    byte[] s = sample(FULL);
    byte[] data = s.clone();
    data[HEADER + 17 + 1000] ^= 0x10;
    assertThat(refusal(data)).isEqualTo("extent at offset 0: CRC32C mismatch (damaged stream)");
    byte[] kind = s.clone();
    kind[HEADER] = 9;
    assertThat(refusal(kind)).contains("unknown extent kind 9 at byte " + HEADER);
    byte[] streamCrc = s.clone();
    streamCrc[s.length - 1] ^= 1;
    assertThat(refusal(streamCrc)).contains("whole-stream checksum mismatch");
    byte[] longer = Arrays.copyOf(s, s.length + 1);
    assertThat(refusal(longer)).contains("data after the trailer");
  }

  /** Raw streams a correct writer never makes, each with valid checksums. */
  private static byte[] raw(long size, long[]... extents) throws IOException {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bos);
    out.write("SNIPBKUP".getBytes());
    out.writeShort(1);
    out.writeShort(0);
    out.writeLong(size);
    out.writeInt(512);
    out.writeLong(42);
    out.writeLong(0);
    for (String n : new String[] {"v", "s1", ""}) {
      out.writeShort(n.length());
      out.write(n.getBytes());
    }
    CRC32C crc = new CRC32C();
    crc.update(bos.toByteArray());
    out.writeInt((int) crc.getValue());
    long count = 0;
    for (long[] e : extents) {
      out.writeByte(StreamFormat.KIND_ZERO);
      out.writeLong(e[0]);
      out.writeInt((int) e[1]);
      out.writeInt((int) StreamWriter.extentCrc(StreamFormat.KIND_ZERO, e[0], (int) e[1], null));
      count++;
    }
    out.writeByte(StreamFormat.KIND_END);
    out.writeLong(count);
    out.writeLong(0);
    crc.reset();
    crc.update(bos.toByteArray());
    out.writeInt((int) crc.getValue());
    return bos.toByteArray();
  }

  @Test
  void extentsOutsideTheVolumeOutOfOrderOrUnalignedAreRefused() throws IOException {
    assertThat(readAll(raw(SIZE, new long[] {0, 512}, new long[] {SIZE - 512, 512}))).hasSize(2);
    assertThat(refusal(raw(SIZE, new long[] {SIZE - 512, 1024})))
        .contains("extent at offset " + (SIZE - 512)).contains("beyond the volume size");
    assertThat(refusal(raw(SIZE, new long[] {SIZE, 512}))).contains("beyond the volume size");
    assertThat(refusal(raw(SIZE, new long[] {Long.MAX_VALUE - 511, 512}))).contains("beyond the volume size");
    assertThat(refusal(raw(SIZE, new long[] {4096, 512}, new long[] {0, 512}))).contains("precedes");
    assertThat(refusal(raw(SIZE, new long[] {100, 512}))).contains("not aligned");
    assertThat(refusal(raw(SIZE, new long[] {0, 0}))).contains("empty");
    assertThat(refusal(raw(1000))).contains("bad volume size 1000");
  }

  @Test
  void trailerCountsMustMatch() throws IOException {
    byte[] s = raw(SIZE, new long[] {0, 512});
    // Patch the trailer's extent count (and its checksum, so only the count is wrong).
    int trailer = s.length - 21;
    s[trailer + 8] = 5;
    CRC32C crc = new CRC32C();
    crc.update(s, 0, s.length - 4);
    int c = (int) crc.getValue();
    s[s.length - 4] = (byte) (c >>> 24);
    s[s.length - 3] = (byte) (c >>> 16);
    s[s.length - 2] = (byte) (c >>> 8);
    s[s.length - 1] = (byte) c;
    assertThat(refusal(s)).contains("the trailer counts 5 extents");
  }
}
