package org.snipblock.node.daemon;

import java.util.List;
import java.util.Optional;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.BlockDeviceCatalog;

/** The catalog handed to the frontends: the store's volumes, each wrapped to be measured. */
final class MeteredCatalog implements BlockDeviceCatalog {
  private final BlockDeviceCatalog catalog;
  private final IoMeters meters;

  MeteredCatalog(BlockDeviceCatalog catalog, IoMeters meters) {
    this.catalog = catalog;
    this.meters = meters;
  }

  @Override
  public List<String> names() {
    return catalog.names();
  }

  @Override
  public Optional<BlockDevice> open(String name) {
    return catalog.open(name).map(d -> new MeteredBlockDevice(d, meters));
  }
}
