package org.snipblock.cluster;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.snipblock.cluster.meta.ClusterMetadata;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.replica.ReplicatedBlockDevice;
import org.snipblock.cluster.replica.ReplicationSettings;
import org.snipblock.cluster.replica.VerifyReport;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;

/**
 * What runs only on a volume's primary, asked of this node by volume name: the checks of the
 * copies (verify, scrub) and the device snapshots are taken through. Elsewhere it is refused with
 * FAILED_PRECONDITION naming the primary (NOT_FOUND for an unknown volume).
 */
final class PrimariesHere {
  private final String selfId;
  private final ClusterMetadata metadata;
  private final Function<String, Optional<ReplicatedBlockDevice>> devices;

  /** @param devices the primary's device of a volume here, if any (whether still acting as the primary or not) */
  PrimariesHere(String selfId, ClusterMetadata metadata, Function<String, Optional<ReplicatedBlockDevice>> devices) {
    this.selfId = selfId;
    this.metadata = metadata;
    this.devices = devices;
  }

  /**
   * Compares the chunk digests (CRC32C per 64 KiB) of every copy of the volume with the primary's,
   * changing nothing. The future fails if the primary loses its role.
   */
  CompletableFuture<VerifyReport> verify(String volume) {
    return device(volume).verify();
  }

  /**
   * Like {@link #verify} but repairs what it finds (a scrub, which otherwise runs every
   * {@link ReplicationSettings#scrubInterval()}): replicas' differing or unreadable chunks are
   * overwritten from the primary, the primary's unreadable chunks restored from a replica in sync.
   */
  CompletableFuture<VerifyReport> scrub(String volume) {
    return device(volume).scrub();
  }

  /** The primary's device of the volume here, acting as the primary. */
  ReplicatedBlockDevice device(String volume) {
    VolumeRecord v = metadata.volume(volume).orElseThrow(() ->
        new VolumeAdminException(Reason.NOT_FOUND, "no volume named " + volume));
    return devices.apply(volume).filter(ReplicatedBlockDevice::primary).orElseThrow(() ->
        new VolumeAdminException(Reason.FAILED_PRECONDITION, "node " + selfId + " is not the primary of "
            + volume + "; its primary is " + v.getPrimary() + " (epoch " + v.getEpoch() + ")"));
  }
}
