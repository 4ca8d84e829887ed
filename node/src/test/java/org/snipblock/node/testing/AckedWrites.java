package org.snipblock.node.testing;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The oracle of a fault schedule: what the client was told about every write it sent (one at a
 * time, each with FUA, so acknowledged means durable on the volume's write quorum), and the check
 * of a read-back image against it. Per 4 KiB block, a read may show the last acknowledged write or
 * any write whose answer was an error (its fate is unknown: it may have landed, even late), never
 * an older acknowledged write, never zeroes once a write was acknowledged, never a torn or misplaced
 * block, never something never written.
 *
 * <p>An async volume acknowledges once the primary's own copy holds a write, and a failover may
 * lose the tail its replica had not received: {@link #asyncViolations} allows acknowledged writes to
 * be missing only in runs (in the order they were sent) of at most {@code max-lag} bytes each, and
 * at most one run per fault that may have failed the primary over; a missing write between two
 * present ones of the same run, or more runs, is a violation.
 */
public final class AckedWrites {
  private final long[] lastAcked;
  private final List<Set<Long>> unknown = new ArrayList<>();
  /** Per block, every acknowledged write to it, in the order sent (ids increase). */
  private final List<List<Long>> ackedHistory = new ArrayList<>();
  /** Blocks of each acknowledged write, by id. */
  private final java.util.Map<Long, Integer> ackedBlocks = new java.util.HashMap<>();
  private long acked;
  private long failed;

  public AckedWrites(int blocks) {
    lastAcked = new long[blocks];
    for (int i = 0; i < blocks; i++) {
      unknown.add(new HashSet<>());
      ackedHistory.add(new ArrayList<>());
    }
  }

  /** Records the answer to write {@code id} of {@code blocks} blocks from {@code first}. */
  public synchronized void answered(long id, int first, int blocks, boolean ok) {
    for (int b = first; b < first + blocks; b++) {
      if (ok) {
        lastAcked[b] = id;
        ackedHistory.get(b).add(id);
      } else {
        unknown.get(b).add(id);
      }
    }
    if (ok) {
      ackedBlocks.put(id, blocks);
      acked++;
    } else {
      failed++;
    }
  }

  public synchronized long acked() {
    return acked;
  }

  public synchronized long failed() {
    return failed;
  }

  /** The violations of {@code image} (the whole volume as read through one door), at most {@code limit}. */
  public synchronized List<String> violations(byte[] image, int limit) {
    List<String> found = new ArrayList<>();
    long[] ids = written(image, found, limit);
    for (int b = 0; b < lastAcked.length && found.size() < limit; b++) {
      long id = ids[b];
      if (id < 0) {
        continue;
      }
      if (id == 0) {
        if (lastAcked[b] != 0) {
          found.add("block " + b + " reads as zeroes, but write " + lastAcked[b] + " was acknowledged");
        }
      } else if (id != lastAcked[b] && !unknown.get(b).contains(id)) {
        found.add("block " + b + " holds write " + id + ", but the last acknowledged one is " + lastAcked[b]
            + (id < lastAcked[b] ? " (an older write came back)" : " (never sent here)"));
      }
    }
    return found;
  }

  /**
   * The violations of {@code image} of an async volume, at most {@code limit}: as {@link #violations}
   * but acknowledged writes may be missing in at most {@code maxRuns} runs of at most {@code maxLagBytes}
   * (plus the one write that may have been taken in just before the bound held) each.
   */
  public synchronized List<String> asyncViolations(byte[] image, long maxLagBytes, int maxRuns, int limit) {
    List<String> found = new ArrayList<>();
    long[] ids = written(image, found, limit);
    java.util.TreeMap<Long, Boolean> present = new java.util.TreeMap<>();
    for (int b = 0; b < lastAcked.length && found.size() < limit; b++) {
      long id = ids[b];
      if (id < 0) {
        continue;
      }
      List<Long> history = ackedHistory.get(b);
      if (id != 0 && !history.contains(id) && !unknown.get(b).contains(id)) {
        found.add("block " + b + " holds write " + id + ", never sent here");
        continue;
      }
      if (history.contains(id)) {
        // Present on any block counts as present: it is the order of writes that matters.
        present.put(id, true);
      }
      for (long acked : history) {
        if (acked > id) {
          present.merge(acked, false, Boolean::logicalOr);
        }
        // One overwritten by the write read here says nothing: it may have been lost in an earlier tail.
      }
    }
    List<List<Long>> runs = new ArrayList<>();
    List<Long> run = null;
    for (var e : present.entrySet()) {
      if (e.getValue()) {
        run = null;
      } else {
        if (run == null) {
          run = new ArrayList<>();
          runs.add(run);
        }
        run.add(e.getKey());
      }
    }
    if (runs.size() > maxRuns && found.size() < limit) {
      found.add("acknowledged writes lost in " + runs.size() + " runs, more than the " + maxRuns
          + " failovers allow (a write older than a present one is missing): " + describe(runs));
    }
    for (List<Long> lost : runs) {
      long bytes = lost.stream().mapToLong(id -> (long) ackedBlocks.get(id) * NbdWriter.BLOCK).sum();
      long largest = lost.stream().mapToLong(id -> (long) ackedBlocks.get(id) * NbdWriter.BLOCK).max().orElse(0);
      if (bytes > maxLagBytes + largest && found.size() < limit) {
        found.add("acknowledged writes " + lost.get(0) + ".." + lost.get(lost.size() - 1) + " lost: " + bytes
            + " bytes, more than max-lag " + maxLagBytes);
      }
    }
    return found;
  }

  /** The acknowledged writes an async image lost, in runs, for the log. */
  private static String describe(List<List<Long>> runs) {
    return runs.stream().map(r -> r.get(0) + ".." + r.get(r.size() - 1) + " (" + r.size() + ")").toList().toString();
  }

  /**
   * The write each block of {@code image} holds (0: zeroes), or -1 for a block that is torn or holds
   * another block's data, which is added to {@code found}.
   */
  private long[] written(byte[] image, List<String> found, int limit) {
    long[] ids = new long[lastAcked.length];
    ByteBuffer in = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
    for (int b = 0; b < lastAcked.length; b++) {
      int at = b * NbdWriter.BLOCK;
      long id = in.getLong(at);
      long block = in.getLong(at + 8);
      ids[b] = id;
      for (int w = 16; w < NbdWriter.BLOCK; w += 16) {
        if (in.getLong(at + w) != id || in.getLong(at + w + 8) != block) {
          ids[b] = -1;
          if (found.size() < limit) {
            found.add("block " + b + " is torn: word " + w / 16 + " differs from the first");
          }
          break;
        }
      }
      if (ids[b] > 0 && block != b) {
        ids[b] = -1;
        if (found.size() < limit) {
          found.add("block " + b + " holds block " + block + " of write " + id);
        }
      } else if (ids[b] == 0 && block != 0) {
        ids[b] = -1;
        if (found.size() < limit) {
          found.add("block " + b + " holds block " + block + " of write 0");
        }
      }
    }
    return ids;
  }
}
