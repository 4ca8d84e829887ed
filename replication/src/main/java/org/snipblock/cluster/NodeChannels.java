package org.snipblock.cluster;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.block.BlockDeviceException.Kind;
import org.snipblock.cluster.follow.SimulatedWanLinks;
import org.snipblock.cluster.membership.Endpoint;
import org.snipblock.cluster.meta.ClusterMetadata;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.security.LinkTls;

/** One gRPC channel to each other node's replication port, shared by replication, doors and care. */
final class NodeChannels implements AutoCloseable {
  private final ClusterMetadata metadata;
  private final SimulatedWanLinks wan;
  private final LinkTls tls;
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();

  /**
   * @param wan the simulated WAN a test may put between sites
   * @param tls mutual TLS to every node, or null for plaintext
   */
  NodeChannels(ClusterMetadata metadata, SimulatedWanLinks wan, LinkTls tls) {
    this.metadata = metadata;
    this.wan = wan;
    this.tls = tls;
  }

  ManagedChannel to(String nodeId) {
    NodeRecord n = metadata.node(nodeId).orElseThrow(() ->
        new BlockDeviceException(Kind.IO_ERROR, "replica node " + nodeId + " is not registered"));
    // Keyed by address too: a node that restarts may come back with another replication port.
    return channels.computeIfAbsent(nodeId + "@" + n.getDataAddress(), key -> {
      Endpoint e = Endpoint.parse(n.getDataAddress());
      NettyChannelBuilder b = (tls == null
          ? NettyChannelBuilder.forAddress(e.host(), e.port()).usePlaintext()
          : NettyChannelBuilder.forAddress(e.host(), e.port(), tls.channelCredentials()))
          .maxInboundMessageSize(64 << 20);
      b.intercept(wan.interceptorsTo(nodeId));
      return b.build();
    });
  }

  @Override
  public void close() {
    channels.values().forEach(ManagedChannel::shutdownNow);
  }
}
