package org.snipblock.iscsi.pdu;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Writes a {@link Pdu}: sets the length fields from the segments, adds padding and, once
 * negotiated, the CRC32C digests. The data segment is wrapped, not copied; a buffer the PDU holds
 * goes on with a reference of its own (the PDU itself is released once encoded).
 */
public final class PduEncoder extends MessageToMessageEncoder<Pdu> {
  private final ConnectionCodecState state;

  public PduEncoder(ConnectionCodecState state) {
    super(Pdu.class);
    this.state = state;
  }

  @Override
  protected void encode(ChannelHandlerContext ctx, Pdu pdu, List<Object> out) {
    ByteBuffer data = pdu.data();
    int dsl = data.remaining();
    byte[] bhs = pdu.bhs();
    byte[] ahs = pdu.ahs();
    bhs[4] = (byte) (ahs.length / 4);
    bhs[5] = (byte) (dsl >>> 16);
    bhs[6] = (byte) (dsl >>> 8);
    bhs[7] = (byte) dsl;
    int padding = Crc32c.padding(dsl);
    boolean headerDigest = state.headerDigest();
    boolean dataDigest = state.dataDigest() && dsl > 0;
    ByteBuf header = ctx.alloc().buffer(bhs.length + ahs.length + 4);
    header.writeBytes(bhs).writeBytes(ahs);
    if (headerDigest) {
      header.writeIntLE(Crc32c.of(bhs, ahs));
    }
    if (dsl == 0) {
      out.add(header);
      return;
    }
    CompositeByteBuf whole = ctx.alloc().compositeBuffer(3);
    whole.addComponent(true, header);
    whole.addComponent(true, pdu.wireData());
    if (padding > 0 || dataDigest) {
      ByteBuf trailer = ctx.alloc().buffer(8);
      trailer.writeZero(padding);
      if (dataDigest) {
        trailer.writeIntLE(Crc32c.ofData(data, padding));
      }
      whole.addComponent(true, trailer);
    }
    out.add(whole);
  }
}
