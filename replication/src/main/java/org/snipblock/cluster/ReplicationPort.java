package org.snipblock.cluster;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import org.snipblock.cluster.door.VolumeIoService;
import org.snipblock.cluster.replica.ReplicaService;
import org.snipblock.cluster.replica.StreamsOnTransport;
import org.snipblock.cluster.security.LinkTls;

/**
 * The gRPC server every other node calls on this node's replication port: the replica side of the
 * copies held here, the I/O other nodes' doors forward to the primaries here, and the services the
 * cluster node and the daemon add. With the cluster's TLS it requires a certificate of the CA.
 */
final class ReplicationPort implements AutoCloseable {
  private static final int MAX_MESSAGE_BYTES = 64 << 20;

  private final PeerServices added = new PeerServices();
  private ReplicaService replicas;
  private VolumeIoService forwarded;
  private Server server;

  /**
   * Starts serving the replica side, forwarded I/O and {@code others} at {@code address}. The
   * replication streams run on the transport threads ({@link StreamsOnTransport}):
   * neither end's stream handler blocks, so a sync write skips gRPC's executor; other calls keep it.
   */
  void start(InetSocketAddress address, LinkTls tls, ReplicaService replicas, VolumeIoService forwarded,
      List<BindableService> others) throws IOException {
    this.replicas = replicas;
    this.forwarded = forwarded;
    NettyServerBuilder builder = tls == null ? NettyServerBuilder.forAddress(address)
        : NettyServerBuilder.forAddress(address, tls.serverCredentials());
    builder.addService(replicas).addService(forwarded);
    others.forEach(builder::addService);
    server = builder.fallbackHandlerRegistry(added).callExecutor(new StreamsOnTransport())
        .maxInboundMessageSize(MAX_MESSAGE_BYTES).build().start();
  }

  /** Serves {@code service} from now on too (see {@link PeerServices}); may be called before start. */
  void add(BindableService service) {
    added.add(service);
  }

  int port() {
    return server.getPort();
  }

  VolumeIoService forwarded() {
    return forwarded;
  }

  /** Stops listening at once (a node that could not join), keeping the replica side open. */
  void stopListening() {
    if (server != null) {
      server.shutdownNow();
    }
  }

  @Override
  public void close() {
    stopListening();
    if (replicas != null) {
      replicas.close();
    }
  }
}
