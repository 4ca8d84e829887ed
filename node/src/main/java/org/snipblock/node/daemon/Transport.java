package org.snipblock.node.daemon;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * The one event loop group both frontends share, on epoll where the native transport loads
 * (Linux x86_64) and on NIO elsewhere.
 */
public record Transport(String name, EventLoopGroup group, Class<? extends ServerChannel> serverChannel)
    implements AutoCloseable {

  public static Transport create(int threads) {
    if (Epoll.isAvailable()) {
      return new Transport("epoll", group(threads, EpollIoHandler.newFactory()), EpollServerSocketChannel.class);
    }
    return new Transport("nio", group(threads, NioIoHandler.newFactory()), NioServerSocketChannel.class);
  }

  private static EventLoopGroup group(int threads, IoHandlerFactory factory) {
    return new MultiThreadIoEventLoopGroup(threads, factory);
  }

  @Override
  public void close() {
    group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
