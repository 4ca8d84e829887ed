package org.snipblock.node.admin;

import io.grpc.BindableService;
import io.grpc.Server;
import org.snipblock.node.OperatorError;
import org.snipblock.node.config.AdminTls;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The gRPC server carrying the admin API, bound on the node's listen address. */
public final class AdminServer implements AutoCloseable {
  private final Server server;

  private AdminServer(Server server) {
    this.server = server;
  }

  /**
   * Binds and starts serving.
   *
   * @throws java.io.UncheckedIOException wrapping the {@link java.net.BindException} if the port is taken
   */
  public static AdminServer start(InetSocketAddress address, BindableService... services) {
    return start(address, List.of(), services);
  }

  /** Binds and starts serving, every call of every service through the interceptors (the last one first). */
  public static AdminServer start(InetSocketAddress address, List<ServerInterceptor> interceptors,
      BindableService... services) {
    return start(address, null, interceptors, services);
  }

  /**
   * Binds and starts serving, over TLS only when {@code tls} is given (a plaintext client is refused).
   *
   * @throws OperatorError for a certificate or key that cannot be used
   */
  public static AdminServer start(InetSocketAddress address, AdminTls tls, List<ServerInterceptor> interceptors,
      BindableService... services) {
    NettyServerBuilder builder = tls == null ? NettyServerBuilder.forAddress(address) : tlsBuilder(address, tls);
    // AdminClient pings during the long calls it sends without a deadline; gRPC's default would
    // answer its pings with GOAWAY (too_many_pings) and end them.
    builder.permitKeepAliveTime(AdminClient.PING_SECONDS / 2, TimeUnit.SECONDS);
    for (BindableService s : services) {
      builder.addService(ServerInterceptors.intercept(s, interceptors));
    }
    Server server = builder.build();
    try {
      server.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new AdminServer(server);
  }

  /** gRPC reads the PEM files when it builds the TLS context, here: a bad file fails the start with one line. */
  private static NettyServerBuilder tlsBuilder(InetSocketAddress address, AdminTls tls) {
    try {
      tls.check();
      return NettyServerBuilder.forAddress(address, tls.serverCredentials());
    } catch (IllegalArgumentException e) {
      throw new OperatorError(tls.failure(e), e);
    }
  }

  public int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    server.shutdown();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
