package org.snipblock.node.admin;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The bytes of a client-streaming call as an {@link InputStream} for a reading thread. The call asks
 * for the next message only once the reader has taken the previous one ({@code next}), so at most
 * one message waits here.
 */
final class ChunkPipe extends InputStream {
  private static final ByteString END = ByteString.copyFromUtf8("end");
  private static final ByteString FAILED = ByteString.copyFromUtf8("failed");

  private final LinkedBlockingQueue<ByteString> queue = new LinkedBlockingQueue<>();
  private final Runnable next;
  private ByteString current = ByteString.EMPTY;
  private int pos;
  private boolean ended;

  /** @param next asks the call for one more message */
  ChunkPipe(Runnable next) {
    this.next = next;
  }

  void add(ByteString data) {
    queue.add(data);
  }

  void end() {
    queue.add(END);
  }

  void fail() {
    queue.add(FAILED);
  }

  private boolean fill() throws IOException {
    while (pos >= current.size()) {
      if (ended) {
        return false;
      }
      ByteString b;
      try {
        b = queue.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while reading the stream");
      }
      if (b == END) {
        ended = true;
        return false;
      }
      if (b == FAILED) {
        throw new IOException("the client ended the stream early");
      }
      current = b;
      pos = 0;
      next.run();
    }
    return true;
  }

  @Override
  public int read() throws IOException {
    return fill() ? current.byteAt(pos++) & 0xff : -1;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    if (!fill()) {
      return -1;
    }
    int n = Math.min(len, current.size() - pos);
    current.copyTo(b, pos, off, n);
    pos += n;
    return n;
  }
}
