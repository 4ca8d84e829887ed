package org.snipblock.node.admin;

import java.util.List;
import java.util.Optional;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.BlockDeviceCatalog;
import org.snipblock.store.SnippetStore;
import org.snipblock.store.VolumeInfo;
import org.snipblock.store.VolumeQosStore;
import org.snipblock.store.qos.QosLimits;
import org.snipblock.store.qos.QosState;
import org.snipblock.store.qos.ThrottledBlockDevice;
import org.snipblock.store.qos.VolumeThrottles;

/**
 * QoS on a standalone node: the limits kept in the store, one throttle per volume, and the
 * catalog the doors get, whose every handle on a volume passes that volume's one throttle.
 */
public final class StandaloneQos implements BlockDeviceCatalog, AutoCloseable {
  private final SnippetStore store;
  private final VolumeQosStore saved;
  private final VolumeThrottles throttles;

  /** Loads every volume's saved limits. */
  public StandaloneQos(SnippetStore store, String nodeId) {
    this.store = store;
    this.saved = new VolumeQosStore(store);
    this.throttles = new VolumeThrottles(nodeId);
    for (VolumeInfo v : store.list()) {
      throttles.forVolume(v.name()).configure(saved.limits(v.name()));
    }
  }

  /** Records and applies new limits at once (throws for an unknown volume). */
  QosLimits set(String volume, QosLimits limits) {
    saved.set(volume, limits);
    throttles.forVolume(volume).configure(limits);
    return limits;
  }

  QosState state(String volume) {
    // The saved limits answer for a volume created since the start (its throttle is made unlimited).
    saved.limits(volume);
    return throttles.forVolume(volume).state();
  }

  @Override
  public List<String> names() {
    return store.names();
  }

  @Override
  public Optional<BlockDevice> open(String name) {
    return store.open(name).map(d -> new ThrottledBlockDevice(d, throttles.forVolume(name)));
  }

  @Override
  public void close() {
    throttles.close();
  }
}
