package org.snipblock.nbd.transmission;

import io.netty.buffer.ByteBuf;

/**
 * One transmission request as framed off the wire.
 *
 * @param length  unsigned 32-bit length from the header
 * @param payload write data (the receiver owns and releases it); null for other commands and for
 *     writes whose payload was over the maximum and was skipped unread
 * @param payloadDropped true for such an oversize write: it must be refused, not executed
 */
public record NbdRequest(
    int flags, int type, long cookie, long offset, long length, ByteBuf payload,
    boolean payloadDropped) {

  void release() {
    if (payload != null) {
      payload.release();
    }
  }
}
