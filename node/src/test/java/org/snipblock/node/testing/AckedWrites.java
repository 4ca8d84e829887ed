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
 */
public final class AckedWrites {
  private final long[] lastAcked;
  private final List<Set<Long>> unknown = new ArrayList<>();
  private long acked;
  private long failed;

  public AckedWrites(int blocks) {
    lastAcked = new long[blocks];
    for (int i = 0; i < blocks; i++) {
      unknown.add(new HashSet<>());
    }
  }

  /** Records the answer to write {@code id} of {@code blocks} blocks from {@code first}. */
  public synchronized void answered(long id, int first, int blocks, boolean ok) {
    for (int b = first; b < first + blocks; b++) {
      if (ok) {
        lastAcked[b] = id;
      } else {
        unknown.get(b).add(id);
      }
    }
    if (ok) {
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
    ByteBuffer in = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
    for (int b = 0; b < lastAcked.length && found.size() < limit; b++) {
      int at = b * NbdWriter.BLOCK;
      long id = in.getLong(at);
      long block = in.getLong(at + 8);
      for (int w = 16; w < NbdWriter.BLOCK; w += 16) {
        if (in.getLong(at + w) != id || in.getLong(at + w + 8) != block) {
          found.add("block " + b + " is torn: word " + w / 16 + " differs from the first");
          break;
        }
      }
      if (id == 0 && block == 0) {
        if (lastAcked[b] != 0) {
          found.add("block " + b + " reads as zeroes, but write " + lastAcked[b] + " was acknowledged");
        }
      } else if (block != b) {
        found.add("block " + b + " holds block " + block + " of write " + id);
      } else if (id != lastAcked[b] && !unknown.get(b).contains(id)) {
        found.add("block " + b + " holds write " + id + ", but the last acknowledged one is " + lastAcked[b]
            + (id < lastAcked[b] ? " (an older write came back)" : " (never sent here)"));
      }
    }
    return found;
  }
}
