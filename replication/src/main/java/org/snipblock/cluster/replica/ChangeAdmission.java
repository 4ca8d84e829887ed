package org.snipblock.cluster.replica;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.block.BlockDeviceException.Kind;
import org.snipblock.block.BlockRange;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.store.qos.VolumeThrottle;

/**
 * What decides whether and when a change of a primary's volume may start, in the order a write
 * meets it: the volume's QoS budget ({@link #qos}, which reads pass too), a group snapshot's
 * {@link #hold}, the read-only flag, storage ballooning's {@link WriteThrottle}; then, for every
 * change (flushes and snapshots too), the range, a planned handover's {@link HandoverGate},
 * {@link Fencing} and the {@link AsyncLag} bound. No thread waits here: a change held by one of
 * them goes on from the future of what holds it, once that lets go.
 */
final class ChangeAdmission {
  private final VolumeView view;
  private final Fencing fencing;
  private final AsyncLag lag;
  private final HandoverGate handover;
  private final AckWindow acks;
  private final Function<VolumeRecord, VolumeThrottle> qosBudgets;
  private volatile CompletableFuture<Void> hold = CompletableFuture.completedFuture(null);
  private final WriteThrottle throttle = new WriteThrottle();
  private final AtomicLong writtenBytes = new AtomicLong();

  /** @param qosBudgets as {@link ReplicatedBlockDevice}'s */
  ChangeAdmission(VolumeView view, Fencing fencing, AsyncLag lag, HandoverGate handover, AckWindow acks,
      Function<VolumeRecord, VolumeThrottle> qosBudgets) {
    this.view = view;
    this.fencing = fencing;
    this.lag = lag;
    this.handover = handover;
    this.acks = acks;
    this.qosBudgets = qosBudgets;
  }

  /** The throttle of the volume's budget; requests it delays until after a close meet the closed device (and a door takes them on). */
  VolumeThrottle qos() {
    return qosBudgets.apply(view.get());
  }

  /**
   * Holds back every write (zeroes, trims, compare-and-writes) that has not passed this device's
   * checks yet, until the returned release runs; snapshots, flushes and reads go on. A group
   * snapshot holds all its volumes while it sequences their snapshots, so no write lands after one
   * volume's snapshot and before another's. Holds add up: writes wait until every one is released.
   */
  synchronized Runnable hold() {
    CompletableFuture<Void> h = new CompletableFuture<>();
    hold = hold.isDone() ? h : CompletableFuture.allOf(hold, h);
    return () -> h.complete(null);
  }

  /** The brake on new writes that storage ballooning raises and lowers (off unless limited). */
  WriteThrottle throttle() {
    return throttle;
  }

  /** Bytes of writes (zeroes and trims included) handed to the replication stream since this device opened. */
  long writtenBytes() {
    return writtenBytes.get();
  }

  /** Runs a write once no hold, the read-only flag or the ballooning throttle stops it, then as {@link #admit}. */
  CompletableFuture<Void> admitWrite(long offset, long length, Supplier<CompletableFuture<Void>> change) {
    CompletableFuture<Void> held = hold;
    if (!held.isDone()) {
      return held.thenCompose(x -> admitWrite(offset, length, change));
    }
    if (view.get().getReadOnly()) {
      return CompletableFuture.failedFuture(new BlockDeviceException(Kind.READ_ONLY, "volume " + view.name()
          + " is read-only"));
    }
    CompletableFuture<Void> paid = throttle.admit(length);
    return paid.isDone() ? admit(offset, length, change) : paid.thenCompose(x -> admit(offset, length, change));
  }

  /** Runs a change only while this device may: in range, not held by a handover, primary, confirmed by the log, and within the async lag bound. */
  CompletableFuture<Void> admit(long offset, long length, Supplier<CompletableFuture<Void>> change) {
    try {
      BlockRange.check(offset, length, view.get().getSize(), view.get().getBlockSize());
    } catch (BlockDeviceException e) {
      return CompletableFuture.failedFuture(e);
    }
    CompletableFuture<Void> held = handover.enter();
    if (held != null) {
      return held.thenCompose(x -> admit(offset, length, change));
    }
    CompletableFuture<Void> admitted;
    try {
      admitted = admitted(offset, length, change);
    } catch (RuntimeException e) {
      admitted = CompletableFuture.failedFuture(e);
    }
    return admitted.whenComplete((x, e) -> handover.leave());
  }

  private CompletableFuture<Void> admitted(long offset, long length, Supplier<CompletableFuture<Void>> change) {
    if (!fencing.primary()) {
      return Fencing.notPrimary();
    }
    CompletableFuture<Void> check = fencing.confirmation();
    if (!check.isDone()) {
      return check.handle((v, e) -> e).thenCompose(e -> admitted(offset, length, change));
    }
    if (check.isCompletedExceptionally()) {
      return Fencing.notPrimary();
    }
    if (view.anyAsync(view.get()) && lag.overBound()) {
      return lag.belowBound().thenCompose(v -> fencing.primary() ? sequenced(length, change) : Fencing.notPrimary());
    }
    return sequenced(length, change);
  }

  /**
   * Counted as written once past every hold: what competes for the links (ballooning and mode
   * control measure it). Its admission, now, goes into the epoch's {@link AckWindow} once acknowledged.
   */
  private CompletableFuture<Void> sequenced(long length, Supplier<CompletableFuture<Void>> change) {
    writtenBytes.addAndGet(length);
    long admitted = AckWindow.now();
    return change.get().whenComplete((x, e) -> {
      if (e == null) {
        acks.acked(admitted, fencing.primary());
      }
    });
  }

  /** The device closed: writes the ballooning throttle holds go on, to meet the closed device. */
  void close() {
    throttle.release();
  }
}
