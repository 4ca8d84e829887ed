package org.snipblock.cluster.replica;

import java.util.concurrent.CompletableFuture;

/**
 * The sequence numbers a primary hands out within one epoch, reserved ahead on disk: a primary
 * that restarts at the same epoch (no failover happened meanwhile) continues after everything it
 * may have sent before, so no replica takes a new change for one it already applied. Reservations
 * are extended in the background long before they run out.
 */
final class SequenceReservation {
  private static final long BLOCK = 1L << 20;

  private final DurableProgress records;
  private final String volume;
  private final long uid;
  private final long epoch;
  private final long start;
  private volatile long reserved;
  private CompletableFuture<Void> extending;

  /**
   * Reserves the first block; blocks on one small disk write (call it off the data path). A device
   * made for an epoch older than the one this node already reserved for (a restarted node acting
   * on metadata it has not caught up with yet) reserves nothing: it is fenced anyway, and writing
   * its record would overwrite the newer epoch's, so that the device made for that epoch a moment
   * later would start its counter at 0 again and hand out numbers its replicas already applied
   * (they take those as "already applied" and drop them: the copies silently part).
   */
  SequenceReservation(DurableProgress records, String volume, long uid, long epoch) {
    this.records = records;
    this.volume = volume;
    this.uid = uid;
    this.epoch = epoch;
    java.util.Optional<DurableProgress.Entry> found = records.load(volume, uid);
    this.start = found.filter(e -> e.epoch() == epoch).map(DurableProgress.Entry::seq).orElse(0L);
    if (found.map(e -> e.epoch() > epoch).orElse(false)) {
      reserved = Long.MAX_VALUE;
      extending = CompletableFuture.completedFuture(null);
      return;
    }
    long first = start + BLOCK;
    extending = records.record(volume, new DurableProgress.Entry(uid, epoch, first)).thenRun(() -> reserved = first);
    extending.join();
  }

  /** Where the counter of this epoch continues from: past everything handed out before. */
  long start() {
    return start;
  }

  /** Called in sequence order (under the sequencing lock) with each counter value handed out. */
  void reached(long counter) {
    if (reserved != Long.MAX_VALUE && counter + BLOCK / 2 >= reserved && extending.isDone()) {
      long next = reserved + BLOCK;
      extending = records.record(volume, new DurableProgress.Entry(uid, epoch, next)).thenRun(() -> reserved = next);
    }
    if (counter > reserved) {
      // Half a block of changes within one small disk write: wait for the reservation rather than risk reuse.
      extending.join();
    }
  }
}
