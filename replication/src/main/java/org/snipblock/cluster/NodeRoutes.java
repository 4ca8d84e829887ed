package org.snipblock.cluster;

import io.grpc.Channel;
import java.util.Optional;
import org.snipblock.block.BlockDevice;
import org.snipblock.cluster.door.DoorRoutes;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.replica.ReplicatedBlockDevice;

/** A node's doors and volume I/O service see the cluster through this node's metadata, view and channels. */
final class NodeRoutes implements DoorRoutes {
  private final ClusterNode node;

  NodeRoutes(ClusterNode node) {
    this.node = node;
  }

  @Override
  public String selfId() {
    return node.nodeId();
  }

  @Override
  public Optional<VolumeRecord> volume(String name) {
    return node.metadata().volume(name);
  }

  @Override
  public Optional<BlockDevice> servingPrimary(String name) {
    return node.primaryDevice(name).filter(ReplicatedBlockDevice::primary).map(d -> d);
  }

  @Override
  public java.util.List<String> snapshots(String name) {
    return node.snapshots().names(name);
  }

  @Override
  public boolean reachable(String nodeId) {
    if (nodeId.equals(node.nodeId())) {
      return true;
    }
    Optional<String> member = node.metadata().node(nodeId).map(n -> n.getMember());
    return member.isPresent() && node.membership() != null && node.view().contains(member.get());
  }

  @Override
  public Channel channelTo(String nodeId) {
    return node.channelTo(nodeId);
  }
}
