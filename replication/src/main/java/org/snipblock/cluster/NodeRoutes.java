package org.snipblock.cluster;

import io.grpc.Channel;
import java.util.Optional;
import java.util.function.Predicate;
import org.snipblock.block.BlockDevice;
import org.snipblock.cluster.door.DoorRoutes;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.replica.ReplicatedBlockDevice;

/** A node's doors and volume I/O service see the cluster through this node's metadata, view and channels. */
final class NodeRoutes implements DoorRoutes {
  private final ClusterNode node;
  /** Whether another node (by id) is in this node's view: the registry's answer. */
  private final Predicate<String> inView;

  NodeRoutes(ClusterNode node, Predicate<String> inView) {
    this.node = node;
    this.inView = inView;
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
    return nodeId.equals(node.nodeId()) || inView.test(nodeId);
  }

  @Override
  public Channel channelTo(String nodeId) {
    return node.channelTo(nodeId);
  }
}
