package org.snipblock.iscsi;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.BlockDeviceCatalog;
import org.snipblock.block.MemoryBlockDevice;

/** A catalog of RAM disks for protocol tests. */
final class MapCatalog implements BlockDeviceCatalog {
  private final Map<String, BlockDevice> devices = new ConcurrentHashMap<>();

  MapCatalog add(String name, long size) {
    devices.put(name, new MemoryBlockDevice(name, size, 512, false));
    return this;
  }

  MapCatalog addReadOnly(String name, long size) {
    devices.put(name, new MemoryBlockDevice(name, size, 512, true));
    return this;
  }

  /** Serves {@code device} under {@code name}, replacing whatever was there (a recreated volume). */
  MapCatalog put(String name, BlockDevice device) {
    devices.put(name, device);
    return this;
  }

  MapCatalog remove(String name) {
    devices.remove(name);
    return this;
  }

  @Override
  public List<String> names() {
    return List.copyOf(new TreeMap<>(devices).keySet());
  }

  @Override
  public Optional<BlockDevice> open(String name) {
    return Optional.ofNullable(devices.get(name));
  }
}
