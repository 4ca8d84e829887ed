package org.snipblock.cluster.door;

import io.grpc.Channel;
import java.util.Optional;
import org.snipblock.block.BlockDevice;
import org.snipblock.cluster.proto.VolumeRecord;

/** What the doors and the volume I/O service need to know from their node. */
public interface DoorRoutes {

  /** This node's id. */
  String selfId();

  /** The volume as this node's copy of the metadata has it now (primary, epoch, size, version). */
  Optional<VolumeRecord> volume(String name);

  /** This node's device for the volume, only while this node is its primary and may accept requests. */
  Optional<BlockDevice> servingPrimary(String name);

  /**
   * The snapshots of this node's copy of the volume, oldest first (empty without a copy): every copy
   * takes them at the same point of the stream, so they name what the primary can report changes against.
   */
  default java.util.List<String> snapshots(String name) {
    return java.util.List.of();
  }

  /** True while the node is in this node's membership view: a request sent there can arrive. */
  boolean reachable(String nodeId);

  /** A (cached, shared) channel to the node's data server; throws if the node is not registered. */
  Channel channelTo(String nodeId);
}
