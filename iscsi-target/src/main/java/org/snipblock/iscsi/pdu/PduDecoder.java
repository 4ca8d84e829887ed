package org.snipblock.iscsi.pdu;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Frames the inbound byte stream into {@link Pdu}s: BHS, AHS, header digest, data segment,
 * padding, data digest. The data segment length is checked against the negotiated maximum before
 * anything is buffered, so a hostile length never makes us allocate or wait for it. After a
 * framing failure the rest of the stream is discarded (there is no way to resynchronise).
 *
 * <p>The data segment is not copied: the PDU holds a slice of the input, and socket reads are
 * composed rather than merged while a PDU is incomplete, so a write's payload is copied once,
 * from the reads it arrived in to its command's buffer.
 */
public final class PduDecoder extends ByteToMessageDecoder {
  private final ConnectionCodecState state;
  private boolean broken;

  public PduDecoder(ConnectionCodecState state) {
    this.state = state;
    setCumulator(COMPOSITE_CUMULATOR);
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (broken) {
      in.skipBytes(in.readableBytes());
      return;
    }
    if (in.readableBytes() < Pdu.BHS_LENGTH) {
      return;
    }
    int start = in.readerIndex();
    int ahsLength = in.getUnsignedByte(start + 4) * 4;
    int dsl = in.getUnsignedMedium(start + 5);
    if (dsl > state.maxRecvDataSegmentLength()) {
      broken = true;
      byte[] bhs = new byte[Pdu.BHS_LENGTH];
      in.getBytes(start, bhs);
      in.skipBytes(in.readableBytes());
      throw new PduFormatException("data segment length " + dsl + " exceeds "
          + state.maxRecvDataSegmentLength(), bhs);
    }
    int headerDigestLength = state.headerDigest() ? 4 : 0;
    int padded = dsl + Crc32c.padding(dsl);
    int dataDigestLength = state.dataDigest() && dsl > 0 ? 4 : 0;
    int total = Pdu.BHS_LENGTH + ahsLength + headerDigestLength + padded + dataDigestLength;
    if (in.readableBytes() < total) {
      return;
    }
    byte[] bhs = new byte[Pdu.BHS_LENGTH];
    byte[] ahs = ahsLength == 0 ? Pdu.NO_AHS : new byte[ahsLength];
    in.readBytes(bhs);
    in.readBytes(ahs);
    if (headerDigestLength > 0) {
      int received = in.readIntLE();
      if (received != Crc32c.of(bhs, ahs)) {
        broken = true;
        in.skipBytes(in.readableBytes());
        throw new PduFormatException("header digest error", null);
      }
    }
    if (dsl == 0) {
      out.add(new Pdu(bhs, ahs, ByteBuffer.allocate(0)));
      return;
    }
    ByteBuf data = in.readRetainedSlice(dsl);
    in.skipBytes(padded - dsl);
    Pdu pdu = new Pdu(bhs, ahs, data);
    if (dataDigestLength > 0) {
      int received = in.readIntLE();
      if (received != Crc32c.ofData(data.nioBuffers(), padded - dsl)) {
        pdu.markDataDigestFailed();
      }
    }
    out.add(pdu);
  }
}
