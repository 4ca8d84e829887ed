package org.snipblock.store;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Knows, per sector, which contents are legal after a crash: the last value made durable (by a
 * completed FUA write, or a write completed before a flush that completed) or any value written
 * after it. Writes to the same sector must not be in flight at the same time, so that per sector
 * the issue order is the order of effect.
 */
final class DurabilityOracle {
  private static final class Write {
    final long stamp;
    final long first;
    final int count;
    boolean completed;

    Write(long stamp, long first, int count) {
      this.stamp = stamp;
      this.first = first;
      this.count = count;
    }
  }

  /** Per sector: stamps in the order written, and where the durable one is. */
  private static final class History {
    final List<Long> stamps = new ArrayList<>();
    int durable;
  }

  private final Map<Long, History> sectors = new HashMap<>();
  private final Map<Long, Write> writes = new HashMap<>();
  private final Map<Long, Map<Long, Integer>> positions = new HashMap<>();
  private final long sectorCount;

  DurabilityOracle(long sectorCount) {
    this.sectorCount = sectorCount;
    for (long s = 0; s < sectorCount; s++) {
      History h = new History();
      h.stamps.add(0L);
      sectors.put(s, h);
    }
  }

  /** Before issuing a write (stamp 0 for trims and zeroing; stamps must be unique otherwise). */
  synchronized void issued(long stamp, long firstSector, int count) {
    long key = stamp == 0 ? -(writes.size() + 1L) : stamp;
    Write w = new Write(stamp, firstSector, count);
    writes.put(key, w);
    Map<Long, Integer> pos = new HashMap<>();
    for (long s = firstSector; s < firstSector + count; s++) {
      History h = sectors.get(s);
      h.stamps.add(stamp);
      pos.put(s, h.stamps.size() - 1);
    }
    positions.put(key, pos);
    lastKey = key;
  }

  private long lastKey;

  /** The key of the write just issued, to report its completion. */
  synchronized long lastIssued() {
    return lastKey;
  }

  synchronized void completed(long key, boolean durable) {
    Write w = writes.get(key);
    w.completed = true;
    if (durable) {
      makeDurable(key);
    }
  }

  /** Call before issuing a flush; pass the result to {@link #flushCompleted}. */
  synchronized List<Long> flushIssued() {
    List<Long> covered = new ArrayList<>();
    writes.forEach((k, w) -> {
      if (w.completed) {
        covered.add(k);
      }
    });
    return covered;
  }

  synchronized void flushCompleted(List<Long> covered) {
    covered.forEach(this::makeDurable);
  }

  private void makeDurable(long key) {
    positions.get(key).forEach((s, p) -> {
      History h = sectors.get(s);
      h.durable = Math.max(h.durable, p);
    });
  }

  /** Checks a full read of the device after recovery and restarts history from it. */
  synchronized void verifyAndReset(ByteBuffer all) {
    List<String> bad = new ArrayList<>();
    for (long s = 0; s < sectorCount; s++) {
      History h = sectors.get(s);
      long stamp;
      try {
        stamp = SectorPattern.stampOf(all, (int) (s * SectorPattern.SECTOR), s);
      } catch (AssertionError e) {
        bad.add(e.getMessage());
        continue;
      }
      List<Long> allowed = h.stamps.subList(h.durable, h.stamps.size());
      if (!allowed.contains(stamp)) {
        bad.add("sector " + s + " holds stamp " + stamp + " but only " + allowed
            + " are allowed (history " + h.stamps + ")");
      }
      h.stamps.clear();
      h.stamps.add(stamp);
      h.durable = 0;
    }
    writes.clear();
    positions.clear();
    if (!bad.isEmpty()) {
      throw new AssertionError(bad.size() + " sectors wrong after recovery, first: "
          + bad.subList(0, Math.min(5, bad.size())));
    }
  }
}
