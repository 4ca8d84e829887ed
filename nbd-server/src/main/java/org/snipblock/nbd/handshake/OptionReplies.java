package org.snipblock.nbd.handshake;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import org.snipblock.nbd.protocol.Nbd;

/** Encodes the server side of option haggling. */
final class OptionReplies {
  private final ByteBufAllocator alloc;

  OptionReplies(ByteBufAllocator alloc) {
    this.alloc = alloc;
  }

  ByteBuf greeting() {
    ByteBuf b = alloc.buffer(18);
    b.writeLong(Nbd.NBDMAGIC).writeLong(Nbd.IHAVEOPT);
    b.writeShort(Nbd.FLAG_FIXED_NEWSTYLE | Nbd.FLAG_NO_ZEROES);
    return b;
  }

  ByteBuf ack(int option) {
    return reply(option, Nbd.REP_ACK, 0);
  }

  ByteBuf error(int option, int errorType, String message) {
    byte[] text = message.getBytes(StandardCharsets.UTF_8);
    ByteBuf b = reply(option, errorType, text.length);
    return b.writeBytes(text);
  }

  ByteBuf server(int option, String exportName) {
    byte[] name = exportName.getBytes(StandardCharsets.UTF_8);
    ByteBuf b = reply(option, Nbd.REP_SERVER, 4 + name.length);
    return b.writeInt(name.length).writeBytes(name);
  }

  ByteBuf metaContext(int option, int id, String context) {
    byte[] name = context.getBytes(StandardCharsets.UTF_8);
    ByteBuf b = reply(option, Nbd.REP_META_CONTEXT, 4 + name.length);
    return b.writeInt(id).writeBytes(name);
  }

  ByteBuf infoExport(int option, long size, int transmissionFlags) {
    ByteBuf b = reply(option, Nbd.REP_INFO, 12);
    return b.writeShort(Nbd.INFO_EXPORT).writeLong(size).writeShort(transmissionFlags);
  }

  ByteBuf infoText(int option, int infoType, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    ByteBuf b = reply(option, Nbd.REP_INFO, 2 + bytes.length);
    return b.writeShort(infoType).writeBytes(bytes);
  }

  ByteBuf infoBlockSize(int option, int minimum, int preferred, int maximum) {
    ByteBuf b = reply(option, Nbd.REP_INFO, 14);
    return b.writeShort(Nbd.INFO_BLOCK_SIZE).writeInt(minimum).writeInt(preferred).writeInt(maximum);
  }

  /** The reply to NBD_OPT_EXPORT_NAME, which has no option-reply header. */
  ByteBuf exportNameReply(long size, int transmissionFlags, boolean noZeroes) {
    ByteBuf b = alloc.buffer(noZeroes ? 10 : 134);
    b.writeLong(size).writeShort(transmissionFlags);
    if (!noZeroes) {
      b.writeZero(124);
    }
    return b;
  }

  private ByteBuf reply(int option, int type, int length) {
    ByteBuf b = alloc.buffer(20 + length);
    return b.writeLong(Nbd.OPTION_REPLY_MAGIC).writeInt(option).writeInt(type).writeInt(length);
  }
}
