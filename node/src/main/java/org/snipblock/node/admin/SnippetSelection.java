package org.snipblock.node.admin;

import java.util.List;
import java.util.TreeSet;
import org.snipblock.node.admin.v1.SnippetRange;

/** The placement stripe indexes a request names by ranges, checked against the volume before they are expanded. */
final class SnippetSelection {
  private SnippetSelection() {}

  /**
   * @param count the volume's number of placement stripes
   * @throws io.grpc.StatusRuntimeException INVALID_ARGUMENT for a backwards range or an index the volume lacks
   */
  static List<Long> indexes(List<SnippetRange> ranges, long count, String volume) {
    TreeSet<Long> indexes = new TreeSet<>();
    for (SnippetRange r : ranges) {
      // uint64 on the wire: a negative long here is an index beyond any volume.
      if (Long.compareUnsigned(r.getFirst(), r.getLast()) > 0) {
        throw AdminErrors.invalid("stripe range " + Long.toUnsignedString(r.getFirst()) + "-"
            + Long.toUnsignedString(r.getLast()) + " runs backwards");
      }
      if (Long.compareUnsigned(r.getLast(), count) >= 0) {
        throw AdminErrors.invalid("volume " + volume + " has " + count + " stripes (0-" + (count - 1) + "); "
            + "stripe " + Long.toUnsignedString(r.getLast()) + " is not one of them");
      }
      for (long i = r.getFirst(); i <= r.getLast(); i++) {
        indexes.add(i);
      }
    }
    return List.copyOf(indexes);
  }
}
