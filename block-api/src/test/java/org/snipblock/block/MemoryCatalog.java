package org.snipblock.block;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * A catalog of devices held in memory, as a node's catalog of volumes would be, for the doors'
 * tests: devices come and go while a door runs (a volume created, deleted or recreated).
 * {@link LaggingCatalog} is one a moment behind.
 */
public final class MemoryCatalog implements BlockDeviceCatalog {
  private final Map<String, BlockDevice> devices = new ConcurrentSkipListMap<>();

  /** Serves {@code device} under its own name. */
  public MemoryCatalog add(BlockDevice device) {
    return put(device.name(), device);
  }

  /** Serves a writable RAM disk of {@code size} bytes in 512-byte blocks. */
  public MemoryCatalog add(String name, long size) {
    return put(name, new MemoryBlockDevice(name, size, 512, false));
  }

  /** Serves a read-only RAM disk of {@code size} bytes in 512-byte blocks. */
  public MemoryCatalog addReadOnly(String name, long size) {
    return put(name, new MemoryBlockDevice(name, size, 512, true));
  }

  /** Serves {@code device} under {@code name}, replacing whatever was there (a recreated volume). */
  public MemoryCatalog put(String name, BlockDevice device) {
    devices.put(name, device);
    return this;
  }

  /** Stops serving {@code name} (a deleted volume); its open handles are the caller's to fail. */
  public MemoryCatalog remove(String name) {
    devices.remove(name);
    return this;
  }

  @Override
  public List<String> names() {
    return List.copyOf(devices.keySet());
  }

  @Override
  public Optional<BlockDevice> open(String name) {
    return Optional.ofNullable(devices.get(name));
  }
}
