package org.snipblock.cluster.replica;

import java.util.List;
import java.util.Optional;
import org.snipblock.block.BlockDevice;

/** The snapshots of the primary's own copy, which a resync and a verify compare the holders' with. */
public interface SnapshotSource {
  /** Names of the snapshots of this node's copy of the volume, oldest first. */
  List<String> names(String volume);

  /** This node's copy of {@code volume@snapshot}, read-only, for the caller to close; empty if there is none (any more). */
  Optional<BlockDevice> open(String volume, String snapshot);

  /** For a snapshot an import made on this node's copy, the id of the snapshot it reproduces; else 0. */
  default long origin(String volume, String snapshot) {
    return 0;
  }
}
