package org.snipblock.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.snipblock.block.Extent;

/**
 * Which chunks of one layer hold a version, kept in memory per snippet: the source of allocation
 * status, of used/stored byte counts and of where a read finds each chunk (for a chunk in an
 * extent file: its slot and CRC32C, see {@link ChunkEntry}). Changed only in journal apply order
 * (and at startup).
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
  /**
   * Per snippet with extent chunks: slot and CRC32C of each chunk, interleaved; slot -1 means the
   * chunk's data, if any, is in RocksDB (compressed volumes, stores written before extents).
   */
  private final java.util.HashMap<Long, int[]> locations = new java.util.HashMap<>();
  private long allocatedChunks;
  private long storedBytes;

  AllocationMap(int snippetSize) {
    this.chunksPerSnippet = snippetSize / BlockCodec.CHUNK;
  }

  synchronized int state(long chunk) {
    int[] s = snippets.get(chunk / chunksPerSnippet);
    return s == null ? HOLE : s[(int) (chunk % chunksPerSnippet)];
  }

  /** No extent slot: what {@link #location} answers for a chunk whose data is not in an extent file. */
  static final long NO_LOCATION = -1L;

  /** A chunk's slot (high 32 bits, -1 for none) and CRC32C (low 32 bits), read together. */
  synchronized long location(long chunk) {
    int[] l = locations.get(chunk / chunksPerSnippet);
    if (l == null) {
      return NO_LOCATION;
    }
    int i = (int) (chunk % chunksPerSnippet) * 2;
    return l[i] < 0 ? NO_LOCATION : ((long) l[i] << 32) | (l[i + 1] & 0xffffffffL);
  }

  static int slotOf(long location) {
    return (int) (location >> 32);
  }

  static int crcOf(long location) {
    return (int) location;
  }

  /** Sets a chunk's state: HOLE, ZERO, or its stored length in bytes; returns the slot it gave up, or -1. */
  synchronized int set(long chunk, int state) {
    return set(chunk, state, -1, 0);
  }

  /** Sets a chunk's state and, for data in an extent file, its slot and CRC32C; returns the slot it gave up, or -1. */
  synchronized int set(long chunk, int state, int slot, int crc) {
    long snippet = chunk / chunksPerSnippet;
    int i = (int) (chunk % chunksPerSnippet);
    int[] l = locations.get(snippet);
    int old = l == null ? -1 : l[i * 2];
    if (l == null && slot >= 0) {
      l = new int[chunksPerSnippet * 2];
      java.util.Arrays.fill(l, -1);
      locations.put(snippet, l);
    }
    if (l != null) {
      l[i * 2] = slot;
      l[i * 2 + 1] = crc;
    }
    setState(chunk, state);
    return old;
  }

  private void setState(long chunk, int state) {
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

  /** Makes chunks {@code [first, end)} holes; {@code released} gets every slot they gave up. */
  synchronized void clear(long first, long end, java.util.function.IntConsumer released) {
    for (long sn = first / chunksPerSnippet; sn * chunksPerSnippet < end; sn++) {
      int[] s = snippets.get(sn);
      if (s == null) {
        continue;
      }
      long base = sn * chunksPerSnippet;
      int from = (int) Math.max(0, first - base);
      int to = (int) Math.min(chunksPerSnippet, end - base);
      int[] l = locations.get(sn);
      for (int i = from; i < to; i++) {
        account(s[i], -1);
        s[i] = HOLE;
        if (l != null && l[i * 2] >= 0) {
          released.accept(l[i * 2]);
          l[i * 2] = -1;
        }
      }
      if (from == 0 && to == chunksPerSnippet) {
        snippets.remove(sn);
        locations.remove(sn);
      }
    }
  }

  /** Every extent slot this layer refers to. */
  synchronized void forEachSlot(java.util.function.IntConsumer visitor) {
    for (int[] l : locations.values()) {
      for (int i = 0; i < l.length; i += 2) {
        if (l[i] >= 0) {
          visitor.accept(l[i]);
        }
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
