package org.snipblock.iscsi;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snipblock.block.BlockDeviceCatalog;
import org.snipblock.block.DaemonThreads;
import org.snipblock.iscsi.login.LoginHandler;
import org.snipblock.iscsi.pdu.ConnectionCodecState;
import org.snipblock.iscsi.pdu.PduDecoder;
import org.snipblock.iscsi.pdu.PduEncoder;
import org.snipblock.iscsi.session.Session;
import org.snipblock.iscsi.session.TargetContext;

/**
 * The iSCSI target of one node: serves every device of the catalog as target
 * {@code prefix + NAME}, LUN 0, on one portal. Each connection gets its own small pipeline:
 * PDU framing, PDU encoding, then the login handler, which hands over to the full feature
 * handler once the login succeeds.
 */
public final class IscsiTarget implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(IscsiTarget.class);

  private final IscsiTargetConfig config;
  private final TargetContext context;
  private final EventLoopGroup group;
  private final Class<? extends ServerChannel> channelClass;
  private final boolean ownsGroup;
  private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private final ExecutorService opener;
  private Channel server;

  public IscsiTarget(IscsiTargetConfig config, BlockDeviceCatalog catalog, EventLoopGroup group,
      Class<? extends ServerChannel> channelClass) {
    this(config, catalog, group, channelClass, false);
  }

  /** A target with its own NIO event loop group, shut down by {@link #close()}. */
  public IscsiTarget(IscsiTargetConfig config, BlockDeviceCatalog catalog) {
    this(config, catalog, new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory()),
        NioServerSocketChannel.class, true);
  }

  private IscsiTarget(IscsiTargetConfig config, BlockDeviceCatalog catalog, EventLoopGroup group,
      Class<? extends ServerChannel> channelClass, boolean ownsGroup) {
    this.config = config;
    this.opener = Executors.newCachedThreadPool(DaemonThreads.named("iscsi-device-open"));
    this.context = new TargetContext(config, catalog, opener);
    this.group = group;
    this.channelClass = channelClass;
    this.ownsGroup = ownsGroup;
  }

  /** Binds the portal; returns the bound port (useful with port 0). */
  public synchronized int start() throws InterruptedException {
    if (server != null) {
      throw new IllegalStateException("already started");
    }
    ServerBootstrap bootstrap = new ServerBootstrap()
        .group(group)
        .channel(channelClass)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
            new WriteBufferWaterMark(1 << 20, 4 << 20))
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            channels.add(ch);
            ConnectionCodecState codec = new ConnectionCodecState();
            ch.pipeline()
                .addLast("pdu-decoder", new PduDecoder(codec))
                .addLast("pdu-encoder", new PduEncoder(codec))
                .addLast("login", new LoginHandler(context, codec));
          }
        });
    server = bootstrap.bind(config.listen()).sync().channel();
    InetSocketAddress bound = (InetSocketAddress) server.localAddress();
    String host = config.portalAddress() != null ? config.portalAddress()
        : bound.getAddress().getHostAddress();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    context.portal(host + ":" + bound.getPort());
    log.info("iSCSI target listening on {} (portal {})", bound, context.portal());
    return bound.getPort();
  }

  /** "host:port" as reported in SendTargets. */
  public String portal() {
    return context.portal();
  }

  /** The sessions logged in now (normal and discovery). */
  public List<IscsiSessionInfo> sessions() {
    return context.sessions().all().stream()
        .map(s -> new IscsiSessionInfo(s.tsih(), s.key().initiatorName(), s.key().isid(),
            s.key().targetName(), String.valueOf(s.channel().remoteAddress()), s.parameters()))
        .toList();
  }

  /**
   * Asks the access policy again about every session (it may have changed live, e.g. a fenced
   * host's initiator revoked) and ends those it no longer admits. Completes once they are closed
   * and the commands they had in flight have finished: nothing of theirs reaches a device after.
   * Logins still in progress check the policy again before they complete.
   */
  public CompletableFuture<Integer> closeRefused() {
    List<CompletableFuture<Boolean>> checks = new ArrayList<>();
    for (Session s : context.sessions().all()) {
      if (s.discovery()) {
        continue;
      }
      CompletableFuture<Boolean> check = new CompletableFuture<>();
      // On the session's own loop: after the login that registered it has handed over to full feature.
      s.channel().eventLoop().execute(() -> {
        if (context.access(s.key().targetName()).admits(s.key().initiatorName())) {
          check.complete(false);
          return;
        }
        log.warn("session {} ({}): access revoked; closing it", s.tsih(), s.key());
        s.end("access revoked");
        s.abortAllTasks().whenComplete((v, e) -> check.complete(true));
      });
      checks.add(check);
    }
    return CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new))
        .thenApply(v -> (int) checks.stream().filter(CompletableFuture::join).count());
  }

  @Override
  public synchronized void close() {
    if (server != null) {
      server.close().syncUninterruptibly();
      server = null;
    }
    channels.close().syncUninterruptibly();
    opener.shutdown();
    context.closeUnits();
    if (ownsGroup) {
      group.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
  }
}
