package org.snipblock.nbd.handshake;

import io.netty.buffer.ByteBuf;

/**
 * One option request of the handshake. {@code data} is null when the client sent more option data
 * than the server accepts; the bytes were skipped and the option must be refused, not parsed.
 * The receiver owns {@code data} and releases it.
 */
record NbdOption(int code, ByteBuf data) {
  boolean tooLong() {
    return data == null;
  }

  int length() {
    return data == null ? -1 : data.readableBytes();
  }
}
