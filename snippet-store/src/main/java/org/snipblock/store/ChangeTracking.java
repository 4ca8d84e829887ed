package org.snipblock.store;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.block.BlockDeviceException.Kind;
import org.snipblock.block.Extent;

/**
 * Changed-block tracking for a device's view: what the layers above one of the volume's snapshots
 * hold is exactly what was written since it. Answered from the in-memory allocation maps.
 */
final class ChangeTracking {
  private static final int CHUNK = BlockCodec.CHUNK;

  private ChangeTracking() {}

  /** The volume's own snapshots below {@code top} in its chain, oldest first. */
  static List<String> bases(Volume v, Layer top) {
    List<String> out = new ArrayList<>();
    for (Layer l = top.parent(); l != null; l = l.parent()) {
      // A clone's chain goes on into its parent's snapshots: those are another volume's.
      if (l.owner == v.id() && l.snapshot() != null && !l.dropped()) {
        out.add(0, l.snapshot());
      }
    }
    return out;
  }

  /**
   * The runs of {@code [offset, offset+length)} some layer between {@code top} and snapshot
   * {@code base} holds, clipped to the range; whole chunks are changed or not.
   */
  static List<Extent> changed(Volume v, Layer top, String base, long offset, long length) {
    List<Layer> between = new ArrayList<>();
    Layer l = top;
    for (; l != null && !(l.owner == v.id() && base.equals(l.snapshot()) && !l.dropped()); l = l.parent()) {
      between.add(l);
    }
    if (l == null || l == top) {
      throw new BlockDeviceException(Kind.INVALID, "volume " + v.descriptor().name() + " has no snapshot "
          + base + " older than this view");
    }
    long end = offset + length;
    long first = offset / CHUNK;
    long last = (end + CHUNK - 1) / CHUNK;
    BitSet changed = new BitSet();
    for (Layer x : between) {
      x.map.forEach(first, last, (c, st) -> changed.set((int) (c - first)));
    }
    List<Extent> out = new ArrayList<>();
    for (int i = changed.nextSetBit(0); i >= 0; ) {
      int e = changed.nextClearBit(i);
      long from = Math.max(offset, (first + i) * CHUNK);
      long to = Math.min(end, (first + e) * CHUNK);
      if (to > from) {
        out.add(Extent.data(from, to - from));
      }
      i = changed.nextSetBit(e);
    }
    return out;
  }
}
