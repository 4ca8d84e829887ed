package org.snipblock.nbd.handshake;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;
import org.snipblock.nbd.protocol.Nbd;
import org.snipblock.nbd.protocol.SkippedRun;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Frames the client side of the handshake: the client flags, then option requests. Option data
 * beyond {@link #MAX_OPTION_DATA} is skipped as it streams in (never buffered) so a hostile length
 * costs no memory; the option is then passed on marked too long.
 */
public final class OptionDecoder extends ByteToMessageDecoder {
  private static final Logger log = LoggerFactory.getLogger(OptionDecoder.class);

  /** Enough for any option this server understands (names and queries are at most 4096 bytes). */
  public static final int MAX_OPTION_DATA = 64 * 1024;

  private boolean flagsRead;
  private final SkippedRun skipping = new SkippedRun();
  private int skippedOption;

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (!flagsRead) {
      if (in.readableBytes() < 4) {
        return;
      }
      flagsRead = true;
      out.add(new ClientFlags(in.readInt()));
      return;
    }
    if (skipping.active()) {
      if (skipping.consume(in)) {
        out.add(new NbdOption(skippedOption, null));
      }
      return;
    }
    if (in.readableBytes() < 16) {
      return;
    }
    long magic = in.getLong(in.readerIndex());
    if (magic != Nbd.IHAVEOPT) {
      log.warn("{}: option without IHAVEOPT magic ({}), disconnecting",
          ctx.channel().remoteAddress(), Long.toHexString(magic));
      in.skipBytes(in.readableBytes());
      ctx.close();
      return;
    }
    int code = in.getInt(in.readerIndex() + 8);
    long length = in.getUnsignedInt(in.readerIndex() + 12);
    if (length > MAX_OPTION_DATA) {
      in.skipBytes(16);
      skipping.start(length);
      skippedOption = code;
      return;
    }
    if (in.readableBytes() < 16 + length) {
      return;
    }
    in.skipBytes(16);
    out.add(new NbdOption(code, in.readRetainedSlice((int) length)));
  }
}
