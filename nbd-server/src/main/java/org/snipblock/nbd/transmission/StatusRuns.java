package org.snipblock.nbd.transmission;

import java.util.ArrayList;
import java.util.List;
import org.snipblock.block.Extent;
import org.snipblock.nbd.protocol.Nbd;

/**
 * The {length, flags} descriptors of one BLOCK_STATUS chunk, from what the device said, clipped to
 * the request (the device answers in whole blocks or chunks). With REQ_ONE only the first is kept.
 */
final class StatusRuns {
  /** Flag of a dirty run in a changed-block context, as in QEMU's qemu:dirty-bitmap contexts. */
  static final int DIRTY = 1;

  private StatusRuns() {}

  static List<long[]> allocation(List<Extent> extents, long offset, long end, boolean one) {
    List<long[]> out = new ArrayList<>();
    for (Extent e : extents) {
      long a = Math.max(e.offset(), offset);
      long b = Math.min(e.end(), end);
      if (b > a) {
        out.add(new long[] {b - a, (e.hole() ? Nbd.STATE_HOLE : 0) | (e.zero() ? Nbd.STATE_ZERO : 0)});
        if (one) {
          break;
        }
      }
    }
    return out;
  }

  /** Covers {@code [offset, end)}: the changed runs dirty, the gaps between them clean. */
  static List<long[]> changed(List<Extent> changed, long offset, long end, boolean one) {
    List<long[]> out = new ArrayList<>();
    long pos = offset;
    for (Extent e : changed) {
      long a = Math.max(e.offset(), pos);
      long b = Math.min(e.end(), end);
      if (b <= a) {
        continue;
      }
      if (a > pos) {
        out.add(new long[] {a - pos, 0});
      }
      out.add(new long[] {b - a, DIRTY});
      pos = b;
    }
    if (pos < end) {
      out.add(new long[] {end - pos, 0});
    }
    return one ? out.subList(0, 1) : out;
  }
}
