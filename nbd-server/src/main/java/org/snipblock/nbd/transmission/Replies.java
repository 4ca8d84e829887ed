package org.snipblock.nbd.transmission;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.snipblock.nbd.protocol.Nbd;

/** Encodes simple replies and structured reply chunks. */
final class Replies {
  private static final int MAX_MESSAGE = 4096;

  private final ByteBufAllocator alloc;

  Replies(ByteBufAllocator alloc) {
    this.alloc = alloc;
  }

  ByteBuf simple(long cookie, int errno) {
    return alloc.buffer(16).writeInt(Nbd.SIMPLE_REPLY_MAGIC).writeInt(errno).writeLong(cookie);
  }

  /** A successful simple read reply; takes ownership of {@code data}. */
  ByteBuf simpleRead(long cookie, ByteBuf data) {
    return alloc.compositeBuffer(2).addComponents(true, simple(cookie, 0), data);
  }

  ByteBuf done(long cookie) {
    return chunkHeader(Nbd.REPLY_FLAG_DONE, Nbd.REPLY_TYPE_NONE, cookie, 0);
  }

  ByteBuf error(long cookie, int errno, String message) {
    byte[] text = message.getBytes(StandardCharsets.UTF_8);
    int n = Math.min(text.length, MAX_MESSAGE);
    ByteBuf b = chunkHeader(Nbd.REPLY_FLAG_DONE, Nbd.REPLY_TYPE_ERROR, cookie, 6 + n);
    return b.writeInt(errno).writeShort(n).writeBytes(text, 0, n);
  }

  /** Adds an OFFSET_DATA chunk to {@code reply}; takes ownership of {@code data}. */
  void offsetData(CompositeByteBuf reply, long cookie, long offset, ByteBuf data, boolean last) {
    ByteBuf h = chunkHeader(last ? Nbd.REPLY_FLAG_DONE : 0, Nbd.REPLY_TYPE_OFFSET_DATA, cookie,
        8 + data.readableBytes());
    h.writeLong(offset);
    reply.addComponents(true, h, data);
  }

  void offsetHole(CompositeByteBuf reply, long cookie, long offset, int length, boolean last) {
    ByteBuf h = chunkHeader(last ? Nbd.REPLY_FLAG_DONE : 0, Nbd.REPLY_TYPE_OFFSET_HOLE, cookie, 12);
    reply.addComponent(true, h.writeLong(offset).writeInt(length));
  }

  /** One BLOCK_STATUS chunk: a context's {length, flags} descriptors. */
  ByteBuf blockStatus(long cookie, int contextId, List<long[]> runs, boolean last) {
    ByteBuf b = chunkHeader(last ? Nbd.REPLY_FLAG_DONE : 0, Nbd.REPLY_TYPE_BLOCK_STATUS, cookie,
        4 + 8 * runs.size());
    b.writeInt(contextId);
    for (long[] run : runs) {
      b.writeInt((int) run[0]);
      b.writeInt((int) run[1]);
    }
    return b;
  }

  CompositeByteBuf composite(int chunks) {
    return alloc.compositeBuffer(Math.max(2, chunks * 2));
  }

  private ByteBuf chunkHeader(int flags, int type, long cookie, int length) {
    ByteBuf b = alloc.buffer(20 + Math.min(length, 64));
    return b.writeInt(Nbd.STRUCTURED_REPLY_MAGIC).writeShort(flags).writeShort(type)
        .writeLong(cookie).writeInt(length);
  }
}
