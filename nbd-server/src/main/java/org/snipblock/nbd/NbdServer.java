package org.snipblock.nbd;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.snipblock.block.BlockDeviceCatalog;
import org.snipblock.nbd.handshake.ExportAccess;
import org.snipblock.nbd.handshake.HandshakeHandler;
import org.snipblock.nbd.handshake.OptionDecoder;
import org.snipblock.nbd.handshake.ServerContext;
import org.snipblock.nbd.transmission.TransmissionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An NBD server (fixed newstyle only) exporting every device of a {@link BlockDeviceCatalog}
 * under its own name.
 */
public final class NbdServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NbdServer.class);

  /** How long {@link #close()} waits for in-flight requests before cutting connections. */
  private static final long DRAIN_SECONDS = 30;

  /** How long option haggling may sit idle before the connection is dropped. */
  private static final int HANDSHAKE_TIMEOUT_SECONDS = 60;

  private final NbdServerConfig config;
  private final EventLoopGroup group;
  private final Class<? extends ServerChannel> channelClass;
  private final boolean ownsGroup;
  private final ServerContext context;
  private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private Channel listener;

  /** Serves on the caller's event loops; {@link #close()} leaves the group running. */
  public NbdServer(NbdServerConfig config, BlockDeviceCatalog catalog, EventLoopGroup group,
      Class<? extends ServerChannel> channelClass) {
    this(config, catalog, group, channelClass, false);
  }

  /** Serves on its own NIO event loops, shut down by {@link #close()}. */
  public NbdServer(NbdServerConfig config, BlockDeviceCatalog catalog) {
    this(config, catalog, new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory()),
        NioServerSocketChannel.class, true);
  }

  private NbdServer(NbdServerConfig config, BlockDeviceCatalog catalog, EventLoopGroup group,
      Class<? extends ServerChannel> channelClass, boolean ownsGroup) {
    this.config = config;
    this.group = group;
    this.channelClass = channelClass;
    this.ownsGroup = ownsGroup;
    this.context = new ServerContext(config, catalog, TlsContexts.serverContext(config),
        new AtomicBoolean());
  }

  /** Binds the configured address and returns the port bound (useful with port 0). */
  public synchronized int start() throws InterruptedException {
    if (listener != null) {
      throw new IllegalStateException("already started");
    }
    ServerBootstrap bootstrap = new ServerBootstrap()
        .group(group)
        .channel(channelClass)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            connections.add(ch);
            // A client that connects and then says nothing must not hold a connection forever.
            ch.pipeline().addLast(HandshakeHandler.HANDSHAKE_TIMEOUT,
                new ReadTimeoutHandler(HANDSHAKE_TIMEOUT_SECONDS));
            ch.pipeline().addLast(HandshakeHandler.OPTION_DECODER, new OptionDecoder());
            ch.pipeline().addLast(HandshakeHandler.HANDSHAKE, new HandshakeHandler(context));
          }
        });
    listener = bootstrap.bind(new InetSocketAddress(config.listenAddress(), config.port()))
        .sync().channel();
    int port = ((InetSocketAddress) listener.localAddress()).getPort();
    log.info("NBD server listening on {}:{} (TLS {})", config.listenAddress(), port, config.tlsMode());
    return port;
  }

  /**
   * Stops accepting, lets every connection finish the requests it has received (new ones get
   * ESHUTDOWN), closes the connections, and releases the event loops if this server made them.
   * Waits up to 30 s for in-flight requests, then cuts the remaining connections.
   */
  @Override
  public void close() {
    CompletableFuture<Void> drained = closeAsync();
    try {
      drained.get(DRAIN_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.warn("NBD connections did not drain in {}s; closing them", DRAIN_SECONDS);
    }
    connections.close().awaitUninterruptibly();
    if (ownsGroup) {
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  /**
   * Asks the export policies again about every connection in transmission (they may have changed
   * live, e.g. a fenced host's certificate name revoked) and closes those no longer admitted: they
   * stop reading at once, the requests already received finish, then the connection closes. The
   * future completes when all of them are closed, with how many. Handshakes in progress ask the
   * policy when they pick their export.
   */
  public CompletableFuture<Integer> closeRefused() {
    List<CompletableFuture<Boolean>> checks = new ArrayList<>();
    for (Channel ch : connections) {
      CompletableFuture<Boolean> check = new CompletableFuture<>();
      // On the connection's loop, so a handshake entering transmission is either done or asks after this.
      ch.eventLoop().execute(() -> {
        TransmissionHandler t = ch.pipeline().get(TransmissionHandler.class);
        if (t == null || ExportAccess.admits(ch, config.exportPolicies().forExport(t.deviceName()))) {
          check.complete(false);
          return;
        }
        log.warn("{}: access to export {} revoked; closing the connection", ch.remoteAddress(), t.deviceName());
        t.windDown().whenComplete((v, e) -> check.complete(true));
      });
      checks.add(check);
    }
    return CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new))
        .thenApply(v -> (int) checks.stream().filter(CompletableFuture::join).count());
  }

  /**
   * Begins closing: the listener is closed and every connection told to wind down before this
   * returns; the future completes when all connections are closed.
   */
  public synchronized CompletableFuture<Void> closeAsync() {
    context.closing().set(true);
    if (listener != null) {
      listener.close().syncUninterruptibly();
    }
    List<CompletableFuture<Void>> drained = new ArrayList<>();
    for (Channel ch : connections) {
      TransmissionHandler transmission = ch.pipeline().get(TransmissionHandler.class);
      if (transmission != null) {
        drained.add(transmission.windDown());
      } else {
        ch.close();
      }
    }
    return CompletableFuture.allOf(drained.toArray(CompletableFuture[]::new));
  }
}
