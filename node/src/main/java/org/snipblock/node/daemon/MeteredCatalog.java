package org.snipblock.node.daemon;

import java.util.List;
import java.util.Optional;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.BlockDeviceCatalog;

/** The catalog handed to one frontend: the store's volumes, each wrapped to be measured by door. */
final class MeteredCatalog implements BlockDeviceCatalog {
  private final BlockDeviceCatalog catalog;
  private final IoMeters meters;
  private final String door;

  /** @param door the frontend the volumes are handed to ({@code iscsi}, {@code nbd}): a metric label */
  MeteredCatalog(BlockDeviceCatalog catalog, IoMeters meters, String door) {
    this.catalog = catalog;
    this.meters = meters;
    this.door = door;
  }

  @Override
  public List<String> names() {
    return catalog.names();
  }

  @Override
  public Optional<BlockDevice> open(String name) {
    return catalog.open(name).map(d -> new MeteredBlockDevice(d, meters, door));
  }

  @Override
  public java.util.concurrent.CompletableFuture<Void> catchUp() {
    return catalog.catchUp();
  }
}
