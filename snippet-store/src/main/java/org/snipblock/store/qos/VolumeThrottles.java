package org.snipblock.store.qos;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One node's throttles, one per volume by name, so that every handle and door of a volume on
 * this node, and a primary's device reopened after a rollback, share one budget.
 */
public final class VolumeThrottles implements AutoCloseable {
  private final SchedulerTimer timer;
  private final Map<String, VolumeThrottle> throttles = new ConcurrentHashMap<>();

  public VolumeThrottles(String nodeId) {
    this.timer = new SchedulerTimer(nodeId);
  }

  /** The volume's throttle (made without limits the first time). */
  public VolumeThrottle forVolume(String volume) {
    return throttles.computeIfAbsent(volume, v -> new VolumeThrottle(timer));
  }

  /** The volume's throttle if this node has made one. */
  public Optional<VolumeThrottle> existing(String volume) {
    return Optional.ofNullable(throttles.get(volume));
  }

  /** Forgets a deleted volume's throttle, letting whatever still waits go. */
  public void remove(String volume) {
    VolumeThrottle t = throttles.remove(volume);
    if (t != null) {
      t.releaseAll();
    }
  }

  @Override
  public void close() {
    throttles.values().forEach(VolumeThrottle::releaseAll);
    timer.close();
  }
}
