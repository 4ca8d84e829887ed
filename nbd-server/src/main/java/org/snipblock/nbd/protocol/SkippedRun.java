package org.snipblock.nbd.protocol;

import io.netty.buffer.ByteBuf;

/**
 * Bytes a decoder throws away as they arrive instead of buffering them: the payload of an option
 * or request larger than the server accepts, which must still be consumed to stay in step.
 */
public final class SkippedRun {
  private long remaining;

  public void start(long length) {
    remaining = length;
  }

  public boolean active() {
    return remaining > 0;
  }

  /** Skips what is readable of the run; true once all of it has been skipped. */
  public boolean consume(ByteBuf in) {
    int n = (int) Math.min(remaining, in.readableBytes());
    in.skipBytes(n);
    remaining -= n;
    return remaining == 0;
  }
}
