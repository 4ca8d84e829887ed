package org.snipblock.node.daemon;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.node.admin.v1.VolumeIo;

/**
 * Per-volume I/O metrics (Micrometer): a latency timer per operation, bytes moved, and failures
 * by {@link BlockDeviceException.Kind}. Meter names: {@code snipblock.volume.io} (timer, tags
 * volume and op), {@code snipblock.volume.io.bytes} (summary), {@code snipblock.volume.io.errors}.
 */
public final class IoMeters {
  static final String LATENCY = "snipblock.volume.io";
  static final String BYTES = "snipblock.volume.io.bytes";
  static final String ERRORS = "snipblock.volume.io.errors";

  private final MeterRegistry registry;

  public IoMeters(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Times {@code op} on {@code volume} and counts its bytes (0 for none) when it completes. */
  <T> CompletableFuture<T> record(String volume, String op, long bytes, CompletableFuture<T> call, long startNanos) {
    call.whenComplete((r, failure) -> {
      Timer.builder(LATENCY).tags("volume", volume, "op", op).register(registry)
          .record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
      if (failure != null) {
        Counter.builder(ERRORS)
            .tags("volume", volume, "op", op, "kind", BlockDeviceException.kindOf(failure).name())
            .register(registry).increment();
      } else if (bytes > 0) {
        DistributionSummary.builder(BYTES).baseUnit("bytes").tags("volume", volume, "op", op)
            .register(registry).record(bytes);
      }
    });
    return call;
  }

  /** The I/O served for {@code volume} since the node started. */
  public VolumeIo snapshot(String volume) {
    return VolumeIo.newBuilder()
        .setReads(count(volume, "read"))
        .setWrites(count(volume, "write") + count(volume, "compare-and-write"))
        .setReadBytes(bytes(volume, "read"))
        .setWrittenBytes(bytes(volume, "write") + bytes(volume, "compare-and-write"))
        .setFlushes(count(volume, "flush"))
        .setErrors((long) registry.find(ERRORS).tag("volume", volume).counters().stream()
            .mapToDouble(Counter::count).sum())
        .build();
  }

  private long count(String volume, String op) {
    Timer t = registry.find(LATENCY).tags("volume", volume, "op", op).timer();
    return t == null ? 0 : t.count();
  }

  private long bytes(String volume, String op) {
    DistributionSummary s = registry.find(BYTES).tags("volume", volume, "op", op).summary();
    return s == null ? 0 : (long) s.totalAmount();
  }
}
