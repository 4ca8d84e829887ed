package org.snipblock.cluster.follow;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.replica.ResyncProgress;
import org.snipblock.cluster.replica.WriteThrottle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ballooning while a migration builds a volume's copies in another site. The copies' resync and
 * the guest's stream to them share one link: a guest that fills it starves the resync, and the
 * copying never ends. So the {@link Balloon} policy acts on what remains to send to the new copies
 * ({@link CopyBacklog}) rather than on the lag alone. Lives on the volume's primary from the first
 * copy begun until {@link #close}, which the migration calls however it ends: the throttle is then
 * released, unless the catch-up that follows the copying holds it already and goes on from there.
 */
public final class CopyBallooning implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CopyBallooning.class);

  private final String volume;
  private final Supplier<Set<String>> receivers;
  private final Balloon balloon;
  private final BooleanSupplier catchUpHolds;
  private final Consumer<CopyBallooning> forget;
  private final CopyBacklog backlog = new CopyBacklog();
  // Guarded by this: a tick never sets a limit after close() released it.
  private WriteThrottle steered;
  private long lowest;
  private boolean closed;

  /**
   * @param receivers    the nodes receiving the new copies, asked on every tick (moves may be retargeted)
   * @param catchUpHolds whether the volume is catching up on record (its catch-up then owns the throttle)
   * @param forget       stops the ticks calling {@link #steer}
   */
  CopyBallooning(String volume, Supplier<Set<String>> receivers, SiteSettings settings, BooleanSupplier catchUpHolds,
      Consumer<CopyBallooning> forget) {
    this.volume = volume;
    this.receivers = receivers;
    this.balloon = new Balloon(settings);
    this.catchUpHolds = catchUpHolds;
    this.forget = forget;
  }

  /**
   * One tick on the primary: samples what remains to send, and lowers, raises or releases the
   * throttle by the balloon policy. The first sample shows no trend, so it changes nothing.
   */
  synchronized void steer(VolumeRecord v, Map<String, long[]> streams, List<ResyncProgress> resyncs, LinkGauge g,
      WriteThrottle throttle) {
    if (closed) {
      return;
    }
    steered = throttle;
    backlog.sample(v, receivers.get(), streams, resyncs);
    if (backlog.previous() < 0) {
      return;
    }
    Balloon.Step step = balloon.step(backlog.now(), backlog.previous(), g, throttle.rate());
    if (step instanceof Balloon.Release) {
      if (throttle.rate() > 0) {
        throttle.release();
        log.info("volume {}: {} left to send to the new copies, write throttle released", volume,
            ModeGovernor.bytes(backlog.now()));
      }
    } else if (step instanceof Balloon.Limit l) {
      throttle.limit(l.bytesPerSecond());
      lowest = lowest == 0 ? l.bytesPerSecond() : Math.min(lowest, l.bytesPerSecond());
      if (l.lowered()) {
        log.info("volume {}: {} left to send to the new copies, not shrinking (writes {}/s, link {}/s): writes "
            + "throttled to {}/s", volume, ModeGovernor.bytes(backlog.now()), ModeGovernor.bytes((long) g.writeRate()),
            Double.isNaN(g.linkRate()) ? "?" : ModeGovernor.bytes((long) g.linkRate()),
            ModeGovernor.bytes(l.bytesPerSecond()));
      }
    }
  }

  /** Bytes left to send to the new copies at the latest tick; -1 before the first. */
  public synchronized long backlog() {
    return backlog.now();
  }

  /** The lowest rate writes were held to while the copies were built; 0 if they never were. */
  public synchronized long lowestRate() {
    return lowest;
  }

  /** For the migration's report: whether, and how far, writes were held back while the copies were built. */
  public synchronized String outcome() {
    return lowest == 0 ? "writes not throttled while copying"
        : "writes throttled while copying, down to " + ModeGovernor.bytes(lowest) + "/s";
  }

  /** Ends it; idempotent. Releases the throttle unless the volume is catching up on record. */
  @Override
  public void close() {
    WriteThrottle throttle;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      throttle = steered;
    }
    forget.accept(this);
    if (throttle != null && throttle.rate() > 0 && !catchUpHolds.getAsBoolean()) {
      throttle.release();
      log.info("volume {}: no more copies to build, write throttle released", volume);
    }
  }
}
