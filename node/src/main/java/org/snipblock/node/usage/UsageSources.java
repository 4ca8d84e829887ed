package org.snipblock.node.usage;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.snipblock.node.admin.v1.VolumeIo;
import org.snipblock.store.VolumeInfo;

/** What {@link UsageHours} meters, as the node knows it. */
public interface UsageSources {
  /** Volumes with client I/O counted at this node's doors (deleted ones included). */
  Set<String> metered();

  /** A volume's client I/O through this node's doors over every run (the usage ledger's totals). */
  VolumeIo io(String volume);

  /** A volume's record now, if it exists. */
  Optional<VolumeInfo> info(String volume);

  /**
   * The volumes whose space this node bills: a standalone node's all; in a cluster those it is the
   * primary of, so that each volume's byte-hours are counted once however many copies it has.
   */
  List<VolumeInfo> heldHere();

  /** The volume's tenant, "" for none. */
  String tenantOf(String volume);
}
