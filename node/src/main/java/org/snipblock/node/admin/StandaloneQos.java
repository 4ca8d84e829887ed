package org.snipblock.node.admin;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.BlockDeviceCatalog;
import org.snipblock.store.SnippetStore;
import org.snipblock.store.VolumeInfo;
import org.snipblock.store.VolumeQosStore;
import org.snipblock.store.qos.QosGroups;
import org.snipblock.store.qos.QosLimits;
import org.snipblock.store.qos.QosSetting;
import org.snipblock.store.qos.ThrottledBlockDevice;
import org.snipblock.store.qos.VolumeThrottle;
import org.snipblock.store.qos.VolumeThrottles;

/**
 * QoS on a standalone node: the settings kept in the store, one throttle per budget (a volume's
 * own or its group's), and the catalog the doors get, whose every handle on a volume passes the
 * throttle of the volume's budget.
 */
public final class StandaloneQos implements BlockDeviceCatalog, AutoCloseable {
  private final SnippetStore store;
  private final VolumeQosStore saved;
  private final VolumeThrottles throttles;
  // The settings of the volumes as last read or set (a volume created since the start has none yet).
  private final Map<String, QosSetting> settings = new ConcurrentHashMap<>();

  /** Loads every volume's saved setting. */
  public StandaloneQos(SnippetStore store, String nodeId) {
    this.store = store;
    this.saved = new VolumeQosStore(store);
    this.throttles = new VolumeThrottles(nodeId, store.background().clients());
    for (VolumeInfo v : store.list()) {
      settings.put(v.name(), saved.setting(v.name()));
    }
  }

  /** Records and applies a change at once: {@code limits} / {@code group} null keep them (throws for an unknown volume). */
  synchronized QosSetting set(String volume, QosLimits limits, String group) {
    QosSetting current = saved.setting(volume);
    settings.keySet().retainAll(store.names());
    QosSetting changed = QosGroups.change(current, limits, group, settings.values());
    saved.set(changed);
    settings.put(volume, changed);
    throttles.apply(QosGroups.budgets(settings.values()));
    return changed;
  }

  /** The volume's setting and the throttle of its budget (throws for an unknown volume). */
  synchronized Shown show(String volume) {
    QosSetting s = saved.setting(volume);
    settings.put(volume, s);
    List<String> members = settings.values().stream().filter(o -> !s.group().isEmpty() && o.group().equals(s.group()))
        .map(QosSetting::volume).sorted().toList();
    return new Shown(s, members, throttle(volume));
  }

  record Shown(QosSetting setting, List<String> members, VolumeThrottle throttle) {}

  private VolumeThrottle throttle(String volume) {
    QosSetting s = settings.getOrDefault(volume, QosSetting.none(volume));
    return throttles.of(s.budget(), () -> QosGroups.budgets(settings.values()).getOrDefault(s.budget(), QosLimits.none()));
  }

  @Override
  public List<String> names() {
    return store.names();
  }

  @Override
  public Optional<BlockDevice> open(String name) {
    Optional<BlockDevice> d = store.open(name);
    // A snapshot's reads count against its volume's limits.
    String volume = org.snipblock.node.config.NodeConfig.volumeOf(name);
    // Read again: the name may belong to a volume created since (a deleted one's setting went with it).
    d.ifPresent(x -> settings.put(volume, saved.setting(volume)));
    return d.map(x -> new ThrottledBlockDevice(x, () -> throttle(volume)));
  }

  @Override
  public void close() {
    throttles.close();
  }
}
