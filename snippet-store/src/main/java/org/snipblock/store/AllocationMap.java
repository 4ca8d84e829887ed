package org.snipblock.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.snipblock.block.Extent;

/**
 * Which chunks of one layer hold a version, kept in memory per snippet: the source of allocation
 * status, of used/stored byte counts and of where a read finds each chunk. Changed only in journal
 * apply order (and at startup).
 */
final class AllocationMap {
  /** No version in this layer: a read looks in the layer below. */
  static final int HOLE = -1;
  /**
   * Trimmed in this layer while a layer below still holds a version: reads as zeroes, takes no
   * space, and hides what is below (a tombstone).
   */
  static final int TRIMMED = -2;
  /** Allocated, reads as zeroes (write-zeroes without unmap, or a written chunk of zeroes). */
  static final int ZERO = 0;

  private final int chunksPerSnippet;
  /** Sorted, so views can skip to the next touched snippet. */
  private final java.util.TreeMap<Long, int[]> snippets = new java.util.TreeMap<>();
  private long allocatedChunks;
  private long storedBytes;

  AllocationMap(int snippetSize) {
    this.chunksPerSnippet = snippetSize / BlockCodec.CHUNK;
  }

  /** A chunk's state as stored in {@code Space.ALLOCATION}. */
  static byte[] encodeState(int state) {
    return new byte[] {(byte) (state >>> 24), (byte) (state >>> 16), (byte) (state >>> 8), (byte) state};
  }

  static int decodeState(byte[] value) {
    if (value.length != 4) {
      throw new IllegalArgumentException("allocation record of " + value.length + " bytes");
    }
    return ((value[0] & 0xff) << 24) | ((value[1] & 0xff) << 16) | ((value[2] & 0xff) << 8) | (value[3] & 0xff);
  }

  synchronized int state(long chunk) {
    int[] s = snippets.get(chunk / chunksPerSnippet);
    return s == null ? HOLE : s[(int) (chunk % chunksPerSnippet)];
  }

  /** Sets a chunk's state: HOLE, ZERO, or its stored length in bytes. */
  synchronized void set(long chunk, int state) {
    long snippet = chunk / chunksPerSnippet;
    int[] s = snippets.get(snippet);
    if (s == null) {
      if (state == HOLE) {
        return;
      }
      s = new int[chunksPerSnippet];
      java.util.Arrays.fill(s, HOLE);
      snippets.put(snippet, s);
    }
    int i = (int) (chunk % chunksPerSnippet);
    account(s[i], -1);
    s[i] = state;
    account(state, +1);
  }

  /** Makes chunks {@code [first, end)} holes. */
  synchronized void clear(long first, long end) {
    for (long sn = first / chunksPerSnippet; sn * chunksPerSnippet < end; sn++) {
      int[] s = snippets.get(sn);
      if (s == null) {
        continue;
      }
      long base = sn * chunksPerSnippet;
      int from = (int) Math.max(0, first - base);
      int to = (int) Math.min(chunksPerSnippet, end - base);
      for (int i = from; i < to; i++) {
        account(s[i], -1);
        s[i] = HOLE;
      }
      if (from == 0 && to == chunksPerSnippet) {
        snippets.remove(sn);
      }
    }
  }

  private void account(int state, int sign) {
    if (state >= 0) {
      allocatedChunks += sign;
      storedBytes += (long) sign * state;
    }
  }

  synchronized long usedBytes() {
    return allocatedChunks * BlockCodec.CHUNK;
  }

  synchronized long storedBytes() {
    return storedBytes;
  }

  /** True if any chunk of the snippet has a version (or tombstone) in this layer. */
  synchronized boolean hasSnippet(long snippet) {
    return snippets.containsKey(snippet);
  }

  /** Chunks of the snippet that hold data or allocated zeroes in this layer. */
  synchronized int allocatedIn(long snippet) {
    int[] s = snippets.get(snippet);
    if (s == null) {
      return 0;
    }
    int n = 0;
    for (int st : s) {
      if (st >= 0) {
        n++;
      }
    }
    return n;
  }

  /** The first touched snippet in {@code [from, limit)}, or -1. */
  synchronized long nextSnippet(long from, long limit) {
    Long k = snippets.ceilingKey(from);
    return k == null || k >= limit ? -1 : k;
  }

  int chunksPerSnippet() {
    return chunksPerSnippet;
  }

  /** A chunk and its state, as visited by {@link #forEach}. */
  interface ChunkVisitor {
    void visit(long chunk, int state);
  }

  /** Visits every chunk in {@code [first, end)} that is not a HOLE, in order, on a snapshot of the map. */
  void forEach(long first, long end, ChunkVisitor visitor) {
    java.util.TreeMap<Long, int[]> copy = new java.util.TreeMap<>();
    synchronized (this) {
      for (Map.Entry<Long, int[]> e : snippets.entrySet()) {
        long base = e.getKey() * chunksPerSnippet;
        if (base < end && base + chunksPerSnippet > first) {
          copy.put(e.getKey(), e.getValue().clone());
        }
      }
    }
    for (Map.Entry<Long, int[]> e : copy.entrySet()) {
      long base = e.getKey() * chunksPerSnippet;
      int[] s = e.getValue();
      for (int i = (int) Math.max(0, first - base); i < chunksPerSnippet && base + i < end; i++) {
        if (s[i] != HOLE) {
          visitor.visit(base + i, s[i]);
        }
      }
    }
  }

  /** Extents covering {@code [offset, offset+length)}, adjacent ones of the same kind merged. */
  synchronized List<Extent> extents(long offset, long length) {
    List<Extent> out = new ArrayList<>();
    long end = offset + length;
    long pos = offset;
    while (pos < end) {
      long chunk = pos / BlockCodec.CHUNK;
      long snippet = chunk / chunksPerSnippet;
      int[] s = snippets.get(snippet);
      long runEnd;
      int kind;
      if (s == null) {
        runEnd = Math.min(end, (snippet + 1) * chunksPerSnippet * BlockCodec.CHUNK);
        kind = 0;
      } else {
        runEnd = Math.min(end, (chunk + 1) * BlockCodec.CHUNK);
        int st = s[(int) (chunk % chunksPerSnippet)];
        kind = st < 0 ? 0 : st == ZERO ? 1 : 2;
      }
      boolean hole = kind == 0;
      boolean zero = kind != 2;
      Extent last = out.isEmpty() ? null : out.get(out.size() - 1);
      if (last != null && last.hole() == hole && last.zero() == zero) {
        out.set(out.size() - 1, new Extent(last.offset(), runEnd - last.offset(), hole, zero));
      } else {
        out.add(new Extent(pos, runEnd - pos, hole, zero));
      }
      pos = runEnd;
    }
    return out;
  }
}
