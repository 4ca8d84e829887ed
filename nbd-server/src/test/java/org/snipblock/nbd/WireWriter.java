package org.snipblock.nbd;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.snipblock.nbd.protocol.Nbd;

/** Builds client messages byte by byte, so tests can also build wrong ones. */
public final class WireWriter {
  private WireWriter() {}

  public static ByteBuf clientFlags(int flags) {
    return Unpooled.buffer().writeInt(flags);
  }

  public static ByteBuf option(int code, ByteBuf data) {
    ByteBuf b = Unpooled.buffer().writeLong(Nbd.IHAVEOPT).writeInt(code).writeInt(data.readableBytes());
    return b.writeBytes(data);
  }

  public static ByteBuf option(int code) {
    return option(code, Unpooled.EMPTY_BUFFER);
  }

  public static ByteBuf string(String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    return Unpooled.buffer().writeInt(bytes.length).writeBytes(bytes);
  }

  /** NBD_OPT_INFO / GO data. */
  public static ByteBuf info(String name, int... infoTypes) {
    ByteBuf b = string(name).writeShort(infoTypes.length);
    for (int t : infoTypes) {
      b.writeShort(t);
    }
    return b;
  }

  /** NBD_OPT_LIST/SET_META_CONTEXT data. */
  public static ByteBuf metaContext(String name, String... queries) {
    ByteBuf b = string(name).writeInt(queries.length);
    for (String q : queries) {
      b.writeBytes(string(q));
    }
    return b;
  }

  public static ByteBuf request(int flags, int type, long cookie, long offset, long length) {
    return Unpooled.buffer().writeInt(Nbd.REQUEST_MAGIC).writeShort(flags).writeShort(type)
        .writeLong(cookie).writeLong(offset).writeInt((int) length);
  }

  public static ByteBuf write(int flags, long cookie, long offset, byte[] data) {
    return request(flags, Nbd.CMD_WRITE, cookie, offset, data.length).writeBytes(data);
  }
}
