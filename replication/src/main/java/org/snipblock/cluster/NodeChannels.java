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
import org.snipblock.cluster.replica.StreamLoop;
import org.snipblock.cluster.security.LinkTls;

/**
 * Two gRPC channels to each other node's replication port: one shared by doors, care and every
 * call that waits for its answer, and one for this node's replication streams as primary, on the
 * {@link StreamLoop}'s single thread.
 */
final class NodeChannels implements AutoCloseable {
  private final ClusterMetadata metadata;
  private final SimulatedWanLinks wan;
  private final LinkTls tls;
  private final StreamLoop streamLoop;
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final Map<String, ManagedChannel> streams = new ConcurrentHashMap<>();

  /**
   * @param nodeId this node, which names the streams' thread
   * @param wan the simulated WAN a test may put between sites
   * @param tls mutual TLS to every node, or null for plaintext
   */
  NodeChannels(String nodeId, ClusterMetadata metadata, SimulatedWanLinks wan, LinkTls tls) {
    this.metadata = metadata;
    this.wan = wan;
    this.tls = tls;
    this.streamLoop = new StreamLoop(nodeId);
  }

  /** The streams' one thread, which a change hands its sends to (see {@link StreamLoop}). */
  java.util.concurrent.Executor streamLoop() {
    return streamLoop.executor();
  }

  ManagedChannel to(String nodeId) {
    return channel(nodeId, channels, false);
  }

  /** The channel for the replication streams to the node, on the stream loop's thread. */
  ManagedChannel streamTo(String nodeId) {
    return channel(nodeId, streams, true);
  }

  private ManagedChannel channel(String nodeId, Map<String, ManagedChannel> pool, boolean onStreamLoop) {
    NodeRecord n = metadata.node(nodeId).orElseThrow(() ->
        new BlockDeviceException(Kind.IO_ERROR, "replica node " + nodeId + " is not registered"));
    // Keyed by address too: a node that restarts may come back with another replication port.
    return pool.computeIfAbsent(nodeId + "@" + n.getDataAddress(), key -> {
      Endpoint e = Endpoint.parse(n.getDataAddress());
      NettyChannelBuilder b = (tls == null
          ? NettyChannelBuilder.forAddress(e.host(), e.port()).usePlaintext()
          : NettyChannelBuilder.forAddress(e.host(), e.port(), tls.channelCredentials()))
          .maxInboundMessageSize(64 << 20);
      b.intercept(wan.interceptorsTo(nodeId));
      return (onStreamLoop ? streamLoop.carry(b) : b).build();
    });
  }

  @Override
  public void close() {
    channels.values().forEach(ManagedChannel::shutdownNow);
    streams.values().forEach(ManagedChannel::shutdownNow);
    streamLoop.close();
  }
}
