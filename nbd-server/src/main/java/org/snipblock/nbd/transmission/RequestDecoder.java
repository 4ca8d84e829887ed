package org.snipblock.nbd.transmission;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;
import org.snipblock.nbd.protocol.Nbd;
import org.snipblock.nbd.protocol.SkippedRun;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Frames transmission requests. A write payload larger than the advertised maximum is skipped as
 * it arrives (never buffered) and the request passed on marked dropped, so the client gets an
 * error and the stream stays in step. A bad magic means the stream cannot be resynchronised: the
 * connection is closed.
 */
public final class RequestDecoder extends ByteToMessageDecoder {
  private static final Logger log = LoggerFactory.getLogger(RequestDecoder.class);

  private final int maxPayload;
  private final SkippedRun skipping = new SkippedRun();
  private NbdRequest skipped;
  private boolean broken;

  public RequestDecoder(int maxPayload) {
    this.maxPayload = maxPayload;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (broken) {
      in.skipBytes(in.readableBytes());
      return;
    }
    if (skipping.active()) {
      if (skipping.consume(in)) {
        out.add(skipped);
        skipped = null;
      }
      return;
    }
    if (in.readableBytes() < Nbd.REQUEST_HEADER) {
      return;
    }
    int at = in.readerIndex();
    int magic = in.getInt(at);
    if (magic != Nbd.REQUEST_MAGIC) {
      log.warn("{}: request with bad magic {}, disconnecting",
          ctx.channel().remoteAddress(), Integer.toHexString(magic));
      broken = true;
      in.skipBytes(in.readableBytes());
      ctx.close();
      return;
    }
    int flags = in.getUnsignedShort(at + 4);
    int type = in.getUnsignedShort(at + 6);
    long cookie = in.getLong(at + 8);
    long offset = in.getLong(at + 16);
    long length = in.getUnsignedInt(at + 24);
    if (type != Nbd.CMD_WRITE) {
      in.skipBytes(Nbd.REQUEST_HEADER);
      out.add(new NbdRequest(flags, type, cookie, offset, length, null, false));
      return;
    }
    if (length > maxPayload) {
      in.skipBytes(Nbd.REQUEST_HEADER);
      skipping.start(length);
      skipped = new NbdRequest(flags, type, cookie, offset, length, null, true);
      return;
    }
    if (in.readableBytes() < Nbd.REQUEST_HEADER + length) {
      return;
    }
    in.skipBytes(Nbd.REQUEST_HEADER);
    ByteBuf payload = in.readRetainedSlice((int) length);
    out.add(new NbdRequest(flags, type, cookie, offset, length, payload, false));
  }
}
