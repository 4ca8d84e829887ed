package org.snipblock.cluster.replica;

import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;
import org.snipblock.cluster.proto.ReplicaOp;
import org.snipblock.cluster.proto.VolumeRecord;

/**
 * Hands out the volume's sequence numbers. Everything that must be ordered with the volume's
 * changes (a change's pieces, a repair, a resync's starting point, the point a scrub compares at)
 * happens within a {@link Turn}, one turn at a time: numbers are taken, local applies registered
 * with the {@link OverlapOrder} and ops queued on the holders' streams in the same order.
 *
 * <p>Sequence numbers carry the epoch in their high bits, so everything a newer primary sends
 * sorts after everything an older one sent.
 */
final class Sequencer {
  private static final int EPOCH_SHIFT = 40;

  private final Object lock = new Object();
  private final VolumeView view;
  private final SequenceReservation reservation;
  private final OverlapOrder order = new OverlapOrder();
  private long counter;

  /** @param reservation where the counter is reserved ahead on disk (null: starts at 0, only safe without restarts at one epoch) */
  Sequencer(VolumeView view, SequenceReservation reservation) {
    this.view = view;
    this.reservation = reservation;
    this.counter = reservation == null ? 0 : reservation.start();
  }

  /** True if this epoch's counter continues from before a restart (what was sent then may not all have arrived). */
  boolean continuesEarlierRun() {
    synchronized (lock) {
      return counter > 0;
    }
  }

  /** Runs {@code body} as the next turn in the sequence and returns what it returns. */
  <R> R inTurn(Function<Turn, R> body) {
    synchronized (lock) {
      Turn turn = new Turn();
      turn.volume = view.get();
      return body.apply(turn);
    }
  }

  /** One turn in the sequence: what is set up in it takes effect in sequence order. */
  final class Turn {
    private VolumeRecord volume;

    /** The view of the volume this turn sequences against. */
    VolumeRecord volume() {
      return volume;
    }

    long next() {
      long c = ++counter;
      if (reservation != null) {
        reservation.reached(c);
      }
      return (volume.getEpoch() << EPOCH_SHIFT) | c;
    }

    /** Runs {@code action} on the local copy once every earlier overlapping one is done (a barrier overlaps everything). */
    <T> CompletableFuture<T> local(long seq, long offset, long length, boolean barrier,
        Supplier<CompletableFuture<T>> action) {
      return order.submit(seq, offset, length, barrier, action);
    }

    /**
     * The op numbered {@code seq}, built from {@code build}; it completes with null if
     * {@code build} gives null (nothing to send after all). Queue it on the holders' streams
     * within this turn.
     */
    CompletableFuture<ReplicaOp> op(long seq, Supplier<CompletableFuture<ReplicaOp.Builder>> build) {
      VolumeRecord v = volume;
      return build.get().thenApply(b -> b == null ? null : b.setVolume(v.getName()).setEpoch(v.getEpoch()).setSeq(seq).build());
    }
  }
}
