package org.snipblock.nbd;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import org.snipblock.nbd.protocol.Nbd;

/** A bare-socket NBD client that can also misbehave: for malformed-input tests on a real server. */
final class RawClient implements AutoCloseable {
  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;

  RawClient(int port) throws IOException {
    socket = new Socket(InetAddress.getLoopbackAddress(), port);
    socket.setSoTimeout(10_000);
    in = new DataInputStream(socket.getInputStream());
    out = socket.getOutputStream();
    if (in.readLong() != Nbd.NBDMAGIC || in.readLong() != Nbd.IHAVEOPT) {
      throw new IOException("not an NBD newstyle server");
    }
    in.readUnsignedShort();
  }

  /** Fixed newstyle, no zeroes, NBD_OPT_EXPORT_NAME: straight into transmission. */
  RawClient enter(String export) throws IOException {
    send(WireWriter.clientFlags(Nbd.FLAG_C_FIXED_NEWSTYLE | Nbd.FLAG_C_NO_ZEROES));
    send(WireWriter.option(Nbd.OPT_EXPORT_NAME,
        io.netty.buffer.Unpooled.copiedBuffer(export, StandardCharsets.UTF_8)));
    in.readLong();
    in.readUnsignedShort();
    return this;
  }

  void send(io.netty.buffer.ByteBuf b) throws IOException {
    byte[] bytes = new byte[b.readableBytes()];
    b.readBytes(bytes);
    b.release();
    out.write(bytes);
    out.flush();
  }

  /** Reads one simple reply header: {error, cookie}. */
  long[] simpleReply() throws IOException {
    int magic = in.readInt();
    if (magic != Nbd.SIMPLE_REPLY_MAGIC) {
      throw new IOException("bad reply magic " + Integer.toHexString(magic));
    }
    return new long[] {in.readInt(), in.readLong()};
  }

  byte[] readFully(int n) throws IOException {
    byte[] b = new byte[n];
    in.readFully(b);
    return b;
  }

  /** True once the server has closed the connection (EOF within the socket timeout). */
  boolean closedByServer() throws IOException {
    try {
      return in.read() < 0;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (EOFException | java.net.SocketException e) {
      return true;
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
