package org.snipblock.store;

import java.util.ArrayList;
import java.util.List;
import org.snipblock.block.Extent;

/**
 * What a view (a chain of layers, newest first) shows, computed from the layers' in-memory maps:
 * allocation extents and used bytes. A view of one layer is answered by its map directly.
 */
final class LayerReads {
  private LayerReads() {}

  /**
   * Bytes of chunks the view sees as allocated (data or allocated zeroes). A snippet that only one
   * layer of the chain touches is counted from that layer's map without resolving its chunks, so a
   * fresh clone of a big volume costs what its parent's written snippets cost to count.
   */
  static long usedBytes(Layer top, long size) {
    if (top.alone()) {
      return top.map.usedBytes();
    }
    int per = top.map.chunksPerSnippet();
    long snippets = (size + (long) per * BlockCodec.CHUNK - 1) / ((long) per * BlockCodec.CHUNK);
    long chunks = 0;
    for (long sn = nextTouchedSnippet(top, 0, snippets); sn >= 0; sn = nextTouchedSnippet(top, sn + 1, snippets)) {
      Layer only = null;
      int touching = 0;
      for (Layer l = top; l != null; l = l.parent()) {
        if (l.map.hasSnippet(sn)) {
          only = l;
          touching++;
        }
      }
      if (touching == 1) {
        chunks += only.map.allocatedIn(sn);
      } else {
        for (long c = sn * per, end = c + per; c < end; c++) {
          if (top.resolvedState(c) >= 0) {
            chunks++;
          }
        }
      }
    }
    return chunks * BlockCodec.CHUNK;
  }

  /**
   * Visits, in chunk order, every chunk of {@code [first, end)} that some layer of the view holds,
   * with the state the view sees (TRIMMED included). Skips snippets no layer has touched.
   */
  static void forEachVisible(Layer top, long first, long end, AllocationMap.ChunkVisitor visitor) {
    int per = top.map.chunksPerSnippet();
    for (long sn = first / per; sn * per < end; sn++) {
      if (!top.touchesDownward(sn)) {
        long next = nextTouchedSnippet(top, sn + 1, (end + per - 1) / per);
        if (next < 0) {
          return;
        }
        sn = next - 1;
        continue;
      }
      long from = Math.max(first, sn * per);
      long to = Math.min(end, (sn + 1) * per);
      for (long c = from; c < to; c++) {
        int st = top.resolvedState(c);
        if (st != AllocationMap.HOLE) {
          visitor.visit(c, st);
        }
      }
    }
  }

  /** The first snippet in {@code [from, limit)} that a layer of the view touches, or -1. */
  private static long nextTouchedSnippet(Layer top, long from, long limit) {
    long best = -1;
    for (Layer l = top; l != null; l = l.parent()) {
      long n = l.map.nextSnippet(from, limit);
      if (n >= 0 && (best < 0 || n < best)) {
        best = n;
      }
    }
    return best;
  }

  /** Allocation extents of {@code [offset, offset+length)} as the view sees them. */
  static List<Extent> extents(Layer top, long offset, long length) {
    if (top.alone()) {
      return top.map.extents(offset, length);
    }
    List<Extent> out = new ArrayList<>();
    long end = offset + length;
    long[] pos = {offset};
    long firstChunk = offset / BlockCodec.CHUNK;
    long endChunk = (end + BlockCodec.CHUNK - 1) / BlockCodec.CHUNK;
    forEachVisible(top, firstChunk, endChunk, (chunk, state) -> {
      long cs = Math.max(offset, chunk * BlockCodec.CHUNK);
      long ce = Math.min(end, (chunk + 1) * BlockCodec.CHUNK);
      if (cs > pos[0]) {
        add(out, pos[0], cs, true, true);
      }
      add(out, cs, ce, state < 0, state <= AllocationMap.ZERO);
      pos[0] = ce;
    });
    if (pos[0] < end) {
      add(out, pos[0], end, true, true);
    }
    return out;
  }

  private static void add(List<Extent> out, long from, long to, boolean hole, boolean zero) {
    Extent last = out.isEmpty() ? null : out.get(out.size() - 1);
    if (last != null && last.hole() == hole && last.zero() == zero && last.offset() + last.length() == from) {
      out.set(out.size() - 1, new Extent(last.offset(), to - last.offset(), hole, zero));
    } else {
      out.add(new Extent(from, to - from, hole, zero));
    }
  }
}
