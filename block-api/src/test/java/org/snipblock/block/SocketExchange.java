package org.snipblock.block;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * One client connection that says everything at once and then listens: writes the bytes, shuts
 * its sending side and reads until the server closes. A server that neither answers nor closes
 * within the timeout is a hang, reported as an {@link AssertionError}.
 */
public final class SocketExchange {
  private SocketExchange() {}

  /** @return what the server sent before it closed the connection */
  public static byte[] sendAndDrain(int port, byte[] bytes, Duration timeout) throws IOException {
    try (Socket s = connect(port, timeout)) {
      return sendAndDrain(s, bytes, timeout);
    }
  }

  /** A connection to 127.0.0.1:port whose reads give up after the timeout. */
  public static Socket connect(int port, Duration timeout) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", port), (int) timeout.toMillis());
    s.setSoTimeout((int) timeout.toMillis());
    return s;
  }

  /** The same on a connection already set up (e.g. logged in): the caller closes it. */
  public static byte[] sendAndDrain(Socket s, byte[] bytes, Duration timeout) throws IOException {
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    try {
      s.getOutputStream().write(bytes);
      s.shutdownOutput();
    } catch (IOException closedWhileWriting) {
      return received.toByteArray(); // the server already hung up on us
    }
    InputStream in = s.getInputStream();
    byte[] chunk = new byte[8192];
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      for (int n; (n = in.read(chunk)) >= 0; ) {
        received.write(chunk, 0, n);
        if (System.nanoTime() > deadline) {
          throw new AssertionError("server still sending after " + timeout.toSeconds() + " s");
        }
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("server neither answered nor closed within " + timeout.toSeconds() + " s", e);
    } catch (SocketException reset) {
      // a reset by the server also ends the exchange
    }
    return received.toByteArray();
  }
}
