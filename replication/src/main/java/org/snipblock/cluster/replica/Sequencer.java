package org.snipblock.cluster.replica;

import java.util.ArrayList;
import java.util.List;
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

  /**
   * @param reservation where the counter is reserved ahead on disk (null: starts at 0, only safe if
   *                    the primary never restarts at the same epoch)
   */
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
    Turn turn = new Turn();
    try {
      synchronized (lock) {
        turn.volume = view.get();
        return body.apply(turn);
      }
    } finally {
      // Even when the body failed half-way: what it registered must start, or later overlapping changes would wait forever.
      turn.start();
    }
  }

  /**
   * One turn in the sequence. Only the ordering happens under the lock; the work a turn sets up
   * (local applies, building ops with their payload slices and CRC32Cs) starts once the turn is
   * over, and still takes effect in sequence order: local applies through the {@link OverlapOrder},
   * ops at the places they were given on each stream.
   */
  final class Turn {
    // What starts once the turn is over: local applies (their places in the overlap order are
    // taken), and building ops (their places on the streams are taken).
    private final List<Runnable> locals = new ArrayList<>();
    private final List<Runnable> sends = new ArrayList<>();
    private boolean sendsFirst;
    private VolumeRecord volume;

    /**
     * Builds and sends this turn's ops before starting its local applies: for a change that waits
     * for the replicas, whose round trip is longer than the local write, so the local write's
     * submission (a copy and a hand-off to the store's threads) is not on that path.
     */
    void sendsFirst() {
      sendsFirst = true;
    }

    /** Starts what the turn set up, every part even if one fails, in the order {@link #sendsFirst} asks. */
    private void start() {
      RuntimeException failed = null;
      for (List<Runnable> part : sendsFirst ? List.of(sends, locals) : List.of(locals, sends)) {
        for (Runnable r : part) {
          try {
            r.run();
          } catch (RuntimeException e) {
            failed = failed == null ? e : failed;
          }
        }
      }
      if (failed != null) {
        throw failed;
      }
    }

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
      CompletableFuture<Void> turnOver = new CompletableFuture<>();
      locals.add(() -> turnOver.complete(null));
      return order.submit(seq, offset, length, barrier, () -> turnOver.thenCompose(x -> action.get()));
    }

    /**
     * The op numbered {@code seq}, built from {@code build} once the turn is over; it completes
     * with null if {@code build} gives null (nothing to send after all). Queue it on the holders'
     * streams within this turn.
     */
    CompletableFuture<ReplicaOp> op(long seq, Supplier<CompletableFuture<ReplicaOp.Builder>> build) {
      CompletableFuture<ReplicaOp> op = new CompletableFuture<>();
      VolumeRecord v = volume;
      sends.add(() -> {
        CompletableFuture<ReplicaOp.Builder> built;
        try {
          built = build.get();
        } catch (RuntimeException e) {
          built = CompletableFuture.failedFuture(e);
        }
        built.whenComplete((b, e) -> {
          if (e != null) {
            op.completeExceptionally(e);
          } else {
            op.complete(b == null ? null : b.setVolume(v.getName()).setEpoch(v.getEpoch()).setSeq(seq).build());
          }
        });
      });
      return op;
    }
  }
}
