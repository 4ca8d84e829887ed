package org.snipblock.adapter.qmp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * Lines in and out of a blocking socket channel. Reads and writes go straight to the channel
 * (whose read and write sides lock separately), not through {@code Channels.newInputStream}, whose
 * streams share the channel's blocking lock: a reader waiting for an event would block every write.
 */
final class LineChannel {
  /** A QMP reply is small; a longer line means the peer is not speaking QMP. */
  static final int MAX_LINE = 4 << 20;

  private final SocketChannel channel;
  private final ByteBuffer in = ByteBuffer.allocate(64 * 1024);
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  private final Object writeLock = new Object();

  LineChannel(SocketChannel channel) {
    this.channel = channel;
    in.flip();
  }

  /** The next line without its end, or null at the end of the stream. */
  String readLine() throws IOException {
    while (true) {
      while (in.hasRemaining()) {
        byte b = in.get();
        if (b == '\n') {
          String s = line.toString(StandardCharsets.UTF_8);
          line.reset();
          return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
        }
        if (line.size() >= MAX_LINE) {
          throw new QmpException("a QMP line longer than " + MAX_LINE + " bytes: not a QMP peer");
        }
        line.write(b);
      }
      in.clear();
      int n = channel.read(in);
      in.flip();
      if (n < 0) {
        return null;
      }
    }
  }

  void writeLine(String text) throws IOException {
    ByteBuffer out = ByteBuffer.wrap((text + "\n").getBytes(StandardCharsets.UTF_8));
    synchronized (writeLock) {
      while (out.hasRemaining()) {
        channel.write(out);
      }
    }
  }
}
