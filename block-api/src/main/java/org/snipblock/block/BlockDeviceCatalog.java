package org.snipblock.block;

import java.util.List;
import java.util.Optional;

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
}
