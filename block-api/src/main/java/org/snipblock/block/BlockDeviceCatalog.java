package org.snipblock.block;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * What a frontend sees of a node's volumes: names to list (iSCSI SendTargets, NBD LIST) and
 * devices to open by name. Volumes come and go while frontends run, so callers ask each time.
 */
public interface BlockDeviceCatalog {

  /** Names of the devices served now, sorted. */
  List<String> names();

  /**
   * The device with this name, or empty if none. The returned handle stays valid until closed
   * or until the volume is deleted (then calls fail with {@code UNAVAILABLE}).
   */
  Optional<BlockDevice> open(String name);

  /**
   * Completes once this catalog holds every device created anywhere before the call. A cluster
   * node's catalog is its copy of the cluster's metadata, a moment behind the node a volume was
   * created through; a door asked for a name it does not know asks this once before answering
   * that there is none. Null where the catalog never lags: a miss is final at once.
   */
  default CompletableFuture<Void> catchUp() {
    return null;
  }
}
