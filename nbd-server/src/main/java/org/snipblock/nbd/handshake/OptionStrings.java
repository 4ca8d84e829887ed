package org.snipblock.nbd.handshake;

import io.netty.buffer.ByteBuf;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.snipblock.nbd.protocol.Nbd;

/** Strings inside option data: UTF-8, no NUL, at most 4096 bytes, as the protocol requires. */
final class OptionStrings {
  private OptionStrings() {}

  /** Reads a 32-bit length and that many bytes; null if short, too long or not valid UTF-8. */
  static String readString(ByteBuf data) {
    if (data.readableBytes() < 4) {
      return null;
    }
    long length = data.readUnsignedInt();
    if (length > Nbd.MAX_STRING || length > data.readableBytes()) {
      return null;
    }
    return decode(data.readSlice((int) length));
  }

  /** The whole buffer as a string; null if too long or not valid UTF-8. */
  static String decode(ByteBuf bytes) {
    if (bytes.readableBytes() > Nbd.MAX_STRING || bytes.indexOf(bytes.readerIndex(), bytes.writerIndex(), (byte) 0) >= 0) {
      return null;
    }
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(bytes.nioBuffer())
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}
