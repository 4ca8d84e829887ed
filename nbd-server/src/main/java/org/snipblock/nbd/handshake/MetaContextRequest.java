package org.snipblock.nbd.handshake;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;

/**
 * The data of NBD_OPT_LIST_META_CONTEXT / NBD_OPT_SET_META_CONTEXT: an export name and queries.
 * {@link #parse} returns null when the lengths inside do not add up to the option length.
 */
record MetaContextRequest(String exportName, List<String> queries) {

  static MetaContextRequest parse(ByteBuf data) {
    String name = OptionStrings.readString(data);
    if (name == null || data.readableBytes() < 4) {
      return null;
    }
    long count = data.readUnsignedInt();
    if (count > data.readableBytes() / 4) {
      return null;
    }
    List<String> queries = new ArrayList<>();
    for (long i = 0; i < count; i++) {
      String q = OptionStrings.readString(data);
      if (q == null) {
        return null;
      }
      queries.add(q);
    }
    return data.isReadable() ? null : new MetaContextRequest(name, queries);
  }
}
