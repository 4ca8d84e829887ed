package org.snipblock.cluster.door;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.snipblock.cluster.proto.VolumeIoGrpc;
import org.snipblock.cluster.proto.VolumeIoReply;
import org.snipblock.cluster.proto.VolumeIoRequest;
import org.snipblock.cluster.testing.Eventually;

/**
 * The forwarding stream against a primary that takes no requests (a stuck process: its gRPC server
 * reads nothing until told): a flood of 1 MiB writes (one shared payload) stays in the stream,
 * unserialized, instead of filling the transport's buffers with a copy of each; requests the door gave up on meanwhile are never sent; once the
 * primary reads again, every other request arrives, in order.
 */
class PrimaryStreamBackPressureTest {
  private static final int REQUESTS = 192;
  private static final int SIZE = 1 << 20;

  private Server server;
  private ManagedChannel channel;

  @AfterEach
  void stop() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  /** A VolumeIo server that reads requests only when {@code reading} is given permits; it never answers. */
  private static final class StuckPrimary extends VolumeIoGrpc.VolumeIoImplBase {
    final AtomicReference<ServerCallStreamObserver<VolumeIoReply>> call = new AtomicReference<>();
    final List<Long> received = java.util.Collections.synchronizedList(new ArrayList<>());

    @Override
    public StreamObserver<VolumeIoRequest> stream(StreamObserver<VolumeIoReply> replies) {
      ServerCallStreamObserver<VolumeIoReply> c = (ServerCallStreamObserver<VolumeIoReply>) replies;
      c.disableAutoRequest();
      call.set(c);
      return new StreamObserver<>() {
        @Override
        public void onNext(VolumeIoRequest r) {
          received.add(r.getId());
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
      };
    }
  }

  /**
   * Heap (after a full collection) plus direct memory in use: gRPC's buffers are pooled heap or
   * direct memory, by platform. The requests themselves share one 1 MiB payload, so only copies count.
   */
  private static long memoryInUse() {
    System.gc();
    long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
      if (pool.getName().equals("direct")) {
        used += pool.getMemoryUsed();
      }
    }
    return used + Math.max(0, io.grpc.netty.shaded.io.netty.util.internal.PlatformDependent.usedDirectMemory());
  }

  @Test
  void aStuckPrimaryHoldsTheFloodInTheStreamNotInTheTransport() throws Exception {
    StuckPrimary primary = new StuckPrimary();
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(primary)
        .maxInboundMessageSize(4 * SIZE).build().start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    PrimaryStream stream = new PrimaryStream(channel);
    long before = memoryInUse();

    ByteString data = ByteString.copyFrom(new byte[SIZE]);
    List<CompletableFuture<VolumeIoReply>> replies = new ArrayList<>();
    for (int i = 0; i < REQUESTS; i++) {
      replies.add(stream.send(VolumeIoRequest.newBuilder().setVolume("v").setOp(VolumeIoRequest.Op.WRITE)
          .setOffset((long) i * SIZE).setData(data).build()));
    }
    Eventually.await("the stream open at the stuck primary", Duration.ofSeconds(30), () -> primary.call.get() != null);
    long held = memoryInUse() - before;
    int waiting = stream.unsent();
    // The transport takes TRANSPORT_BYTES plus HTTP/2's windows (a few MiB); the rest must wait here.
    assertThat(held).as("memory the flood took, bytes").isLessThan(64L << 20);
    assertThat(waiting).as("requests waiting in the stream").isGreaterThan(REQUESTS - 32);

    // The door gives up on every other waiting request (its call timeout): those are never sent.
    AtomicInteger givenUp = new AtomicInteger();
    // (Well behind the head of the queue: the transport may still take one or two as its socket drains.)
    for (int i = REQUESTS - waiting + 16; i < REQUESTS; i += 2) {
      replies.get(i).completeExceptionally(new java.util.concurrent.TimeoutException("door gave up"));
      givenUp.incrementAndGet();
    }
    primary.call.get().request(Integer.MAX_VALUE);
    int expected = REQUESTS - givenUp.get();
    Eventually.await("every request not given up reaches the primary", Duration.ofSeconds(60),
        () -> primary.received.size() >= expected && stream.unsent() == 0);
    List<Long> ids = List.copyOf(primary.received);
    assertThat(ids).hasSize(expected).isSorted();
  }
}
