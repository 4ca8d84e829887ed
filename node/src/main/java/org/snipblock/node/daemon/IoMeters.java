package org.snipblock.node.daemon;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.node.admin.v1.VolumeIo;

/**
 * Per-volume I/O metrics (Micrometer): a latency timer per operation and door, bytes moved, and
 * failures by {@link BlockDeviceException.Kind}. Meter names: {@code snipblock.volume.io} (timer,
 * tags volume, op and door), {@code snipblock.volume.io.bytes} (summary), {@code
 * snipblock.volume.io.errors} (also tagged kind). Labels are bounded: a volume, a handful of
 * operations, three doors (iscsi, nbd, and forwarded for what other nodes' doors send this
 * primary), eight kinds; never an initiator or a request.
 */
public final class IoMeters {
  static final String LATENCY = "snipblock.volume.io";
  static final String BYTES = "snipblock.volume.io.bytes";
  static final String ERRORS = "snipblock.volume.io.errors";
  /**
   * Latency buckets: few and fixed, so a volume costs a bounded number of series (a percentile
   * histogram would add ~70 per operation), spanning a cached read to a stalled replica.
   */
  private static final Duration[] BUCKETS = {
      Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1),
      Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
      Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofSeconds(1),
      Duration.ofSeconds(5)};

  private final MeterRegistry registry;
  /** Keyed by door, then volume. */
  private final Map<String, Map<String, Volume>> volumes = new ConcurrentHashMap<>();

  public IoMeters(MeterRegistry registry) {
    this.registry = registry;
  }

  /**
   * The meters of one volume's operations, built once: looking a meter up in the registry on
   * every I/O showed in profiles of 4 KiB random I/O.
   */
  Volume forVolume(String volume, String door) {
    return volumes.computeIfAbsent(door, d -> new ConcurrentHashMap<>())
        .computeIfAbsent(volume, v -> new Volume(v, door));
  }

  /** One volume's meters: a latency timer and a byte summary per operation, built on first use. */
  final class Volume {
    private final String volume;
    private final String door;
    private final Map<String, Op> ops = new ConcurrentHashMap<>();

    private Volume(String volume, String door) {
      this.volume = volume;
      this.door = door;
    }

    /** Times {@code op} and counts its bytes (0 for none) when it completes. */
    <T> CompletableFuture<T> record(String op, long bytes, CompletableFuture<T> call, long startNanos) {
      Op meters = ops.computeIfAbsent(op, this::op);
      call.whenComplete((r, failure) -> {
        meters.latency.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
        if (failure != null) {
          // Rare: registered on demand, one counter per failure kind.
          Counter.builder(ERRORS)
              .tags("volume", volume, "op", op, "door", door, "kind", BlockDeviceException.kindOf(failure).name())
              .register(registry).increment();
        } else if (bytes > 0) {
          meters.bytes.record(bytes);
        }
      });
      return call;
    }

    private Op op(String op) {
      return new Op(Timer.builder(LATENCY).tags("volume", volume, "op", op, "door", door)
              .serviceLevelObjectives(BUCKETS).register(registry),
          DistributionSummary.builder(BYTES).baseUnit("bytes").tags("volume", volume, "op", op, "door", door)
              .register(registry));
    }
  }

  private record Op(Timer latency, DistributionSummary bytes) {}

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

  /**
   * The I/O clients sent {@code volume} through this node's doors since it started: what a tenant is
   * metered for (what other nodes' doors forwarded here is counted there, so a cluster's nodes add up).
   */
  public VolumeIo clientIo(String volume) {
    return VolumeIo.newBuilder()
        .setReads(count(volume, "read", true))
        .setWrites(count(volume, "write", true) + count(volume, "compare-and-write", true))
        .setReadBytes(bytes(volume, "read", true))
        .setWrittenBytes(bytes(volume, "write", true) + bytes(volume, "compare-and-write", true))
        .build();
  }

  /** The volumes clients reached through this node's doors since it started. */
  java.util.Set<String> clientVolumes() {
    java.util.Set<String> names = new java.util.TreeSet<>();
    volumes.forEach((door, byVolume) -> {
      if (!"forwarded".equals(door)) {
        names.addAll(byVolume.keySet());
      }
    });
    return names;
  }

  private long count(String volume, String op) {
    return count(volume, op, false);
  }

  private long bytes(String volume, String op) {
    return bytes(volume, op, false);
  }

  private long count(String volume, String op, boolean doorsOnly) {
    return registry.find(LATENCY).tags("volume", volume, "op", op).timers().stream()
        .filter(t -> !doorsOnly || !"forwarded".equals(t.getId().getTag("door"))).mapToLong(Timer::count).sum();
  }

  private long bytes(String volume, String op, boolean doorsOnly) {
    return (long) registry.find(BYTES).tags("volume", volume, "op", op).summaries().stream()
        .filter(s -> !doorsOnly || !"forwarded".equals(s.getId().getTag("door")))
        .mapToDouble(DistributionSummary::totalAmount).sum();
  }
}
