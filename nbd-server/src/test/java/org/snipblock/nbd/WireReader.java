package org.snipblock.nbd;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.snipblock.nbd.protocol.Nbd;

/** Collects what a server wrote to an EmbeddedChannel and parses NBD messages out of it. */
public final class WireReader {
  private final EmbeddedChannel channel;
  private final ByteBuf pending = Unpooled.buffer();

  public WireReader(EmbeddedChannel channel) {
    this.channel = channel;
  }

  public record OptionReply(int option, int type, byte[] data) {
    public String text() {
      return new String(data, StandardCharsets.UTF_8);
    }
  }

  /** A simple reply, or one structured chunk (magic tells which). */
  public record Reply(int magic, int error, int flags, int type, long cookie, byte[] payload) {
    public boolean structured() {
      return magic == Nbd.STRUCTURED_REPLY_MAGIC;
    }

    public boolean done() {
      return !structured() || (flags & Nbd.REPLY_FLAG_DONE) != 0;
    }

    public int chunkError() {
      return ((payload[0] & 0xff) << 24) | ((payload[1] & 0xff) << 16) | ((payload[2] & 0xff) << 8) | (payload[3] & 0xff);
    }

    public ByteBuf body() {
      return Unpooled.wrappedBuffer(payload);
    }
  }

  public int available() {
    drain();
    return pending.readableBytes();
  }

  public ByteBuf bytes(int n) {
    drain();
    if (pending.readableBytes() < n) {
      throw new AssertionError("wanted " + n + " bytes, server wrote " + pending.readableBytes());
    }
    return pending.readBytes(n);
  }

  public OptionReply optionReply() {
    ByteBuf h = bytes(20);
    if (h.readLong() != Nbd.OPTION_REPLY_MAGIC) {
      throw new AssertionError("bad option reply magic");
    }
    int option = h.readInt();
    int type = h.readInt();
    int length = h.readInt();
    byte[] data = new byte[length];
    bytes(length).readBytes(data);
    return new OptionReply(option, type, data);
  }

  /** Reads one simple reply; {@code dataLength} bytes of read data follow a successful READ. */
  public Reply simpleReply(int dataLength) {
    ByteBuf h = bytes(16);
    int magic = h.readInt();
    if (magic != Nbd.SIMPLE_REPLY_MAGIC) {
      throw new AssertionError("not a simple reply: " + Integer.toHexString(magic));
    }
    int error = h.readInt();
    long cookie = h.readLong();
    byte[] data = new byte[error == 0 ? dataLength : 0];
    bytes(data.length).readBytes(data);
    return new Reply(magic, error, 0, 0, cookie, data);
  }

  /** Reads one message whose kind is given by its magic; simple replies carry no data here. */
  public Reply reply() {
    drain();
    int magic = pending.getInt(pending.readerIndex());
    if (magic == Nbd.SIMPLE_REPLY_MAGIC) {
      return simpleReply(0);
    }
    ByteBuf h = bytes(20);
    h.readInt();
    int flags = h.readUnsignedShort();
    int type = h.readUnsignedShort();
    long cookie = h.readLong();
    int length = h.readInt();
    byte[] payload = new byte[length];
    bytes(length).readBytes(payload);
    return new Reply(magic, 0, flags, type, cookie, payload);
  }

  /** All chunks of one structured reply, up to the one marked done. */
  public List<Reply> structuredReply() {
    List<Reply> chunks = new ArrayList<>();
    Reply r;
    do {
      r = reply();
      chunks.add(r);
    } while (!r.done());
    return chunks;
  }

  private void drain() {
    channel.runPendingTasks();
    ByteBuf b;
    while ((b = channel.readOutbound()) != null) {
      pending.writeBytes(b);
      b.release();
    }
  }
}
