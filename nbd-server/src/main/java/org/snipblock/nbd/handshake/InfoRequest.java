package org.snipblock.nbd.handshake;

import io.netty.buffer.ByteBuf;
import java.util.HashSet;
import java.util.Set;

/** The data of NBD_OPT_INFO / NBD_OPT_GO: export name and the NBD_INFO types asked for. */
record InfoRequest(String exportName, Set<Integer> infoTypes) {

  /** Null when the lengths inside do not add up to the option length. */
  static InfoRequest parse(ByteBuf data) {
    String name = OptionStrings.readString(data);
    if (name == null || data.readableBytes() < 2) {
      return null;
    }
    int count = data.readUnsignedShort();
    if (data.readableBytes() != 2 * count) {
      return null;
    }
    Set<Integer> types = new HashSet<>();
    for (int i = 0; i < count; i++) {
      types.add(data.readUnsignedShort());
    }
    return new InfoRequest(name, types);
  }
}
