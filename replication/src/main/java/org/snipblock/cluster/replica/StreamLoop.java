package org.snipblock.cluster.replica;

import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.EventLoop;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The one network thread that carries a node's replication streams, as primary, to every other
 * node. A change hands its ops to this thread once ({@link #executor}): their sends to all
 * holders then cost one wake-up, not one per holder's channel, and leave back to back. Sent from
 * the writer's thread, each send woke its channel's thread, which on a busy machine took the CPU
 * from the writer before it had sent to the next holder (session 13: the second replica's op left
 * 75 µs after the first). The acks come back on this thread too, where the quorum completes.
 *
 * <p>Only the streams' channels live here: a call that waits for an answer (a door's, care's)
 * keeps the shared channels, so nothing blocking ever runs on, or waits for, this one thread.
 */
public final class StreamLoop implements AutoCloseable {
  private final EventLoopGroup group;
  private final EventLoop loop;
  private final Class<? extends Channel> channelType;

  public StreamLoop(String nodeId) {
    DefaultThreadFactory threads = new DefaultThreadFactory("replica-streams-" + nodeId, true);
    if (Epoll.isAvailable()) {
      group = new EpollEventLoopGroup(1, threads);
      channelType = EpollSocketChannel.class;
    } else {
      group = new NioEventLoopGroup(1, threads);
      channelType = NioSocketChannel.class;
    }
    loop = group.next();
  }

  /** Puts the channel {@code builder} builds on this thread. */
  public NettyChannelBuilder carry(NettyChannelBuilder builder) {
    return builder.eventLoopGroup(group).channelType(channelType);
  }

  /** Runs tasks on the streams' thread, in the order given. */
  public Executor executor() {
    return loop;
  }

  /** Call after the channels on it are shut down. */
  @Override
  public void close() {
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
  }
}
