package org.snipblock.nbd;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.BlockDeviceCatalog;

/** A catalog of devices held in memory, as the node's catalog of volumes would be. */
final class MapCatalog implements BlockDeviceCatalog {
  private final Map<String, BlockDevice> devices = new ConcurrentSkipListMap<>();

  MapCatalog add(BlockDevice device) {
    devices.put(device.name(), device);
    return this;
  }

  @Override
  public List<String> names() {
    return new ArrayList<>(devices.keySet());
  }

  @Override
  public Optional<BlockDevice> open(String name) {
    return Optional.ofNullable(devices.get(name));
  }
}
