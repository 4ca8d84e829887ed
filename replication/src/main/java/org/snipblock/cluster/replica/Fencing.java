package org.snipblock.cluster.replica;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.block.BlockDeviceException.Kind;
import org.snipblock.cluster.proto.VolumeRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this device may still act as the volume's primary. Two primaries must never both accept
 * writes, so any sign of a newer epoch (from the metadata, from a replica's refusal, or a log that
 * will not confirm us) fences the device, and so does losing the metadata majority.
 */
final class Fencing {
  private static final Logger log = LoggerFactory.getLogger(Fencing.class);

  private final VolumeView view;
  private final EpochAuthority authority;
  private final ReplicaRegistry registry;
  private final AtomicLong highestEpochSeen = new AtomicLong();
  private final AtomicLong confirmations = new AtomicLong();
  // Changes wait for this: the log's latest answer to "is this node still the primary at its epoch?".
  private volatile CompletableFuture<Void> confirmed;
  private volatile boolean fenced;
  private volatile boolean closed;

  Fencing(VolumeView view, EpochAuthority authority, ReplicaRegistry registry) {
    this.view = view;
    this.authority = authority;
    this.registry = registry;
    highestEpochSeen.set(view.get().getEpoch());
    // A node that has just come back may replay an old "you are primary" before it catches up:
    // the first change waits for the log to confirm it.
    reconfirm();
  }

  /** Asks the log again whether this node is still the primary, and holds changes until it answers. */
  void reconfirm() {
    VolumeRecord v = view.get();
    long attempt = confirmations.incrementAndGet();
    long asked = System.nanoTime();
    CompletableFuture<Void> check = registry.confirmPrimary(v.getName(), v.getEpoch());
    check.whenComplete((x, e) -> {
      log.debug("volume {}: the log answered on primaryship at epoch {} in {} ms", v.getName(), v.getEpoch(),
          (System.nanoTime() - asked) / 1_000_000);
      // Only the latest answer counts: an old refusal must not fence a primaryship confirmed since.
      if (closed || attempt != confirmations.get()) {
        return;
      }
      if (e != null) {
        fenced = true;
        log.warn("volume {}: primaryship at epoch {} not confirmed, fenced: {}", v.getName(), v.getEpoch(),
            e.getMessage());
      } else if (fenced) {
        // The log says this node still is the primary at this epoch: nobody else can have written since.
        fenced = false;
        log.info("volume {}: primaryship at epoch {} confirmed again", v.getName(), v.getEpoch());
      }
    });
    confirmed = check;
  }

  /**
   * A refusal that came while no metadata leader was elected yet (the whole cluster starting) is
   * no verdict: once the log has answered and nothing newer is known, it is asked again.
   */
  void reconfirmIfRefusedEarly() {
    VolumeRecord v = view.get();
    if (fenced && confirmed.isDone() && !closed && view.selfId.equals(v.getPrimary())
        && authority.epoch(v.getName()) == v.getEpoch() && authority.inMajority()) {
      reconfirm();
    }
  }

  /** The log's answer to the latest question; changes wait for it and are refused if it says no. */
  CompletableFuture<Void> confirmation() {
    return confirmed;
  }

  /** Some view of the volume (the metadata's, or a replica's) knows this epoch. */
  void seen(long epoch) {
    highestEpochSeen.accumulateAndGet(epoch, Math::max);
  }

  /** A replica refused a change for a newer epoch. */
  void replicaSaw(long epoch) {
    long ours = view.get().getEpoch();
    if (highestEpochSeen.accumulateAndGet(epoch, Math::max) > ours) {
      log.warn("volume {}: a replica knows epoch {} > ours {}; no longer accepting writes", view.name(), epoch, ours);
    }
  }

  /** True while this device may accept changes. */
  boolean primary() {
    VolumeRecord v = view.get();
    return !closed && !fenced && view.selfId.equals(v.getPrimary()) && highestEpochSeen.get() <= v.getEpoch()
        && authority.epoch(v.getName()) <= v.getEpoch() && authority.inMajority();
  }

  /**
   * True once this device can never act as the primary again: closed, or a newer epoch (or another
   * primary) is known. A device only fenced for want of the log's confirmation or of a majority
   * may be confirmed again at its epoch.
   */
  boolean superseded() {
    VolumeRecord v = view.get();
    return closed || !view.selfId.equals(v.getPrimary()) || highestEpochSeen.get() > v.getEpoch()
        || authority.epoch(v.getName()) > v.getEpoch();
  }

  /** How a change, or a pass over the copies, is refused while this device may not act as the primary. */
  static <T> CompletableFuture<T> notPrimary() {
    return CompletableFuture.failedFuture(new BlockDeviceException(Kind.NOT_PRIMARY,
        "this node is not the primary of the volume (or is fenced by a newer epoch)"));
  }

  boolean closed() {
    return closed;
  }

  void close() {
    closed = true;
  }
}
