package org.snipblock.cluster;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.ForwardingBlockDevice;

/**
 * The I/O this node's store serves, as relocation's IOPS and latency thresholds measure it: every
 * operation on a local copy (a primary's client I/O and a replica's applied writes alike) is timed
 * into one-second slots, and {@link #sample()} answers with the operations per second and the 99th
 * percentile of their latency over the last {@link #WINDOW_SECONDS} whole seconds. Latencies fall
 * into buckets a quarter of a power of two wide (the percentile is the bucket's upper bound, at
 * most 19% above the true value), so a slot is a fixed small array however busy the node is.
 */
public final class StoreIo {
  static final int WINDOW_SECONDS = 10;
  private static final int BUCKETS = 4 * 26;   // up to 2^26 µs (67 s)

  /** Operations per second and their 99th percentile latency (0 when there were none). */
  public record Sample(double iops, long latencyP99Micros) {}

  private final LongSupplier nanoClock;
  private final long[] slotSecond = new long[WINDOW_SECONDS + 1];
  private final long[][] slotBuckets = new long[WINDOW_SECONDS + 1][BUCKETS];

  public StoreIo() {
    this(System::nanoTime);
  }

  /** @param nanoClock the clock operations are timed and slotted by (a test's own, to be exact) */
  StoreIo(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
    java.util.Arrays.fill(slotSecond, Long.MIN_VALUE);
  }

  /** Counts one operation that took {@code nanos}, ending now. */
  public synchronized void record(long nanos) {
    long second = nanoClock.getAsLong() / 1_000_000_000L;
    int slot = (int) Math.floorMod(second, (long) slotSecond.length);
    if (slotSecond[slot] != second) {
      slotSecond[slot] = second;
      java.util.Arrays.fill(slotBuckets[slot], 0);
    }
    slotBuckets[slot][bucket(nanos / 1000)]++;
  }

  /** Over the last {@link #WINDOW_SECONDS} whole seconds (the current one still fills). */
  public synchronized Sample sample() {
    long now = nanoClock.getAsLong() / 1_000_000_000L;
    long[] merged = new long[BUCKETS];
    long count = 0;
    for (int s = 0; s < slotSecond.length; s++) {
      if (slotSecond[s] >= now - WINDOW_SECONDS && slotSecond[s] < now) {
        for (int b = 0; b < BUCKETS; b++) {
          merged[b] += slotBuckets[s][b];
          count += slotBuckets[s][b];
        }
      }
    }
    if (count == 0) {
      return new Sample(0, 0);
    }
    long rank = (long) Math.ceil(count * 0.99);
    long seen = 0;
    int b = 0;
    for (; b < BUCKETS - 1; b++) {
      seen += merged[b];
      if (seen >= rank) {
        break;
      }
    }
    return new Sample(count / (double) WINDOW_SECONDS, upperBoundMicros(b));
  }

  static int bucket(long micros) {
    if (micros <= 1) {
      return 0;
    }
    return (int) Math.min(BUCKETS - 1, Math.ceil(4 * Math.log(micros) / Math.log(2)));
  }

  static long upperBoundMicros(int bucket) {
    return (long) Math.ceil(Math.pow(2, bucket / 4.0));
  }

  /** The device with each of its operations timed here. */
  public BlockDevice meter(BlockDevice device) {
    return new Metered(device);
  }

  private final class Metered extends ForwardingBlockDevice {
    Metered(BlockDevice delegate) {
      super(delegate);
    }

    private <T> CompletableFuture<T> timed(CompletableFuture<T> call, long start) {
      call.whenComplete((r, e) -> record(nanoClock.getAsLong() - start));
      return call;
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
      return timed(super.read(offset, dst), nanoClock.getAsLong());
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
      return timed(super.write(offset, src, fua), nanoClock.getAsLong());
    }

    @Override
    public CompletableFuture<Void> flush() {
      return timed(super.flush(), nanoClock.getAsLong());
    }

    @Override
    public CompletableFuture<Void> trim(long offset, long length, boolean fua) {
      return timed(super.trim(offset, length, fua), nanoClock.getAsLong());
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap, boolean fua) {
      return timed(super.writeZeroes(offset, length, mayUnmap, fua), nanoClock.getAsLong());
    }

    @Override
    public CompletableFuture<Long> compareAndWrite(long offset, ByteBuffer expected, ByteBuffer replacement,
        boolean fua) {
      return timed(super.compareAndWrite(offset, expected, replacement, fua), nanoClock.getAsLong());
    }
  }
}
