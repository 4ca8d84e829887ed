package org.snipblock.iscsi.pdu;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.ReferenceCounted;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One iSCSI PDU: the 48-byte Basic Header Segment, optional Additional Header Segments and the
 * data segment (without padding or digests, which belong to the wire codec). Field accessors
 * take byte offsets into the BHS as drawn in RFC 7143 section 11.
 *
 * <p>A received PDU's data segment is a slice of the connection's input buffer, not a copy, so
 * that write data is copied once on its way to the store (into the command's buffer); whoever
 * takes a received PDU releases it. The header stays valid after release, the data does not.
 * PDUs built here hold no buffer, unless given one as their data ({@link #data(ByteBuf)}: the
 * encoder then hands that reference on to the wire, and releases the PDU).
 */
public final class Pdu implements ReferenceCounted {
  public static final int BHS_LENGTH = 48;
  /** The reserved tag value 0xffffffff as a Java int. */
  public static final int RESERVED_TAG = 0xffffffff;
  /** No AHS: most PDUs either way, so one shared (a zero-length array cannot change). */
  static final byte[] NO_AHS = new byte[0];

  private final byte[] bhs;
  private final byte[] ahs;
  /**
   * The data segment as a buffer this PDU holds one reference to (received, or lent to an outbound
   * PDU), or null; {@link #data} then views it lazily.
   */
  private ByteBuf held;
  private ByteBuffer data;
  private boolean dataDigestFailed;

  public Pdu(byte[] bhs, byte[] ahs, ByteBuffer data) {
    if (bhs.length != BHS_LENGTH) {
      throw new IllegalArgumentException("BHS must be 48 bytes");
    }
    this.bhs = bhs;
    this.ahs = ahs;
    this.held = null;
    this.data = data;
  }

  /** A received PDU that takes over one reference to {@code received}. */
  Pdu(byte[] bhs, byte[] ahs, ByteBuf received) {
    if (bhs.length != BHS_LENGTH) {
      throw new IllegalArgumentException("BHS must be 48 bytes");
    }
    this.bhs = bhs;
    this.ahs = ahs;
    this.held = received;
  }

  /** A new outbound PDU with the given opcode and an empty data segment. */
  public static Pdu of(int opcode) {
    Pdu pdu = new Pdu(new byte[BHS_LENGTH], NO_AHS, ByteBuffer.allocate(0));
    pdu.bhs[0] = (byte) (opcode & 0x3f);
    return pdu;
  }

  public int opcode() {
    return bhs[0] & 0x3f;
  }

  public boolean immediate() {
    return (bhs[0] & 0x40) != 0;
  }

  public int flags() {
    return bhs[1] & 0xff;
  }

  public Pdu flags(int flags) {
    bhs[1] = (byte) flags;
    return this;
  }

  public boolean finalBit() {
    return (bhs[1] & 0x80) != 0;
  }

  public int byteAt(int offset) {
    return bhs[offset] & 0xff;
  }

  public Pdu byteAt(int offset, int value) {
    bhs[offset] = (byte) value;
    return this;
  }

  public int shortAt(int offset) {
    return ((bhs[offset] & 0xff) << 8) | (bhs[offset + 1] & 0xff);
  }

  public Pdu shortAt(int offset, int value) {
    bhs[offset] = (byte) (value >>> 8);
    bhs[offset + 1] = (byte) value;
    return this;
  }

  public int intAt(int offset) {
    return ((bhs[offset] & 0xff) << 24) | ((bhs[offset + 1] & 0xff) << 16)
        | ((bhs[offset + 2] & 0xff) << 8) | (bhs[offset + 3] & 0xff);
  }

  public Pdu intAt(int offset, int value) {
    bhs[offset] = (byte) (value >>> 24);
    bhs[offset + 1] = (byte) (value >>> 16);
    bhs[offset + 2] = (byte) (value >>> 8);
    bhs[offset + 3] = (byte) value;
    return this;
  }

  public long longAt(int offset) {
    return ((long) intAt(offset) << 32) | (intAt(offset + 4) & 0xffffffffL);
  }

  public Pdu longAt(int offset, long value) {
    intAt(offset, (int) (value >>> 32));
    return intAt(offset + 4, (int) value);
  }

  /** Bytes 5-7: the data segment length as the header states it. */
  public int headerDataSegmentLength() {
    return ((bhs[5] & 0xff) << 16) | ((bhs[6] & 0xff) << 8) | (bhs[7] & 0xff);
  }

  public long lun() {
    return longAt(8);
  }

  public Pdu lun(long lun) {
    return longAt(8, lun);
  }

  public int initiatorTaskTag() {
    return intAt(16);
  }

  public Pdu initiatorTaskTag(int itt) {
    return intAt(16, itt);
  }

  public byte[] bhs() {
    return bhs;
  }

  public byte[] ahs() {
    return ahs;
  }

  /** The data segment; a view the caller may consume. */
  public ByteBuffer data() {
    if (data == null) {
      // One view for a contiguous buffer; a segment spread over several reads is merged here,
      // so the payload path uses copyDataTo instead.
      data = held.nioBuffer();
    }
    return data;
  }

  /** Sets the data segment (a PDU built here: one that holds no buffer). */
  public Pdu data(ByteBuffer data) {
    if (held != null) {
      throw new IllegalStateException("the data segment of " + this + " is a buffer it holds");
    }
    this.data = data;
    return this;
  }

  /** Sets the data segment of a PDU built here to {@code owned}, taking over one reference to it. */
  public Pdu data(ByteBuf owned) {
    if (held != null) {
      throw new IllegalStateException("the data segment of " + this + " is a buffer it holds");
    }
    this.held = owned;
    this.data = null;
    return this;
  }

  /**
   * The data segment for the wire: a new reference to the buffer this PDU holds, or its data
   * wrapped without a copy.
   */
  ByteBuf wireData() {
    ByteBuffer d = data();
    if (held == null) {
      return Unpooled.wrappedBuffer(d.duplicate());
    }
    return held.retainedSlice(held.readerIndex() + d.position(), d.remaining());
  }

  /** Bytes in the data segment (what is left of it, once {@link #data} has been consumed). */
  public int dataLength() {
    return data != null ? data.remaining() : held.readableBytes();
  }

  /**
   * Copies the data segment into {@code destination} at {@code offset}, straight from the
   * held buffers, without consuming it or moving {@code destination}'s position.
   */
  public void copyDataTo(ByteBuffer destination, int offset) {
    int length = dataLength();
    if (data != null) {
      destination.put(offset, data, data.position(), length);
    } else {
      held.getBytes(held.readerIndex(),
          destination.duplicate().limit(offset + length).position(offset));
    }
  }

  public Pdu data(String text) {
    return data(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
  }

  public boolean dataDigestFailed() {
    return dataDigestFailed;
  }

  void markDataDigestFailed() {
    this.dataDigestFailed = true;
  }

  @Override
  public int refCnt() {
    return held == null ? 1 : held.refCnt();
  }

  @Override
  public Pdu retain() {
    return retain(1);
  }

  @Override
  public Pdu retain(int increment) {
    if (held != null) {
      held.retain(increment);
    }
    return this;
  }

  @Override
  public Pdu touch() {
    return touch(null);
  }

  @Override
  public Pdu touch(Object hint) {
    if (held != null) {
      held.touch(hint);
    }
    return this;
  }

  @Override
  public boolean release() {
    return release(1);
  }

  @Override
  public boolean release(int decrement) {
    return held != null && held.release(decrement);
  }

  @Override
  public String toString() {
    return String.format("Pdu[op=0x%02x flags=0x%02x itt=0x%08x dsl=%d]",
        opcode(), flags(), initiatorTaskTag(), dataLength());
  }
}
