package org.snipblock.cluster.door;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The measurement behind the doors' choice of one unary call per forwarded request: the same 4 KiB
 * requests, 64 in flight, over one connection on 127.0.0.1, as unary calls and as one bidirectional
 * stream with request ids. Logged, not asserted (speed is not a unit-test property).
 */
class ForwardingTransportTimingTest {
  private static final Logger log = LoggerFactory.getLogger(ForwardingTransportTimingTest.class);
  private static final int REQUESTS = 5_000;
  private static final int IN_FLIGHT = 64;
  private static final int PAYLOAD = 4096;

  private static final MethodDescriptor<byte[], byte[]> UNARY = method(MethodDescriptor.MethodType.UNARY, "Unary");
  private static final MethodDescriptor<byte[], byte[]> STREAM = method(MethodDescriptor.MethodType.BIDI_STREAMING, "Stream");

  private static MethodDescriptor<byte[], byte[]> method(MethodDescriptor.MethodType type, String name) {
    return MethodDescriptor.<byte[], byte[]>newBuilder().setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName("timing.Echo", name))
        .setRequestMarshaller(new Bytes()).setResponseMarshaller(new Bytes()).build();
  }

  /** The primary's answer to a write: the request id and a status byte. */
  private static byte[] ack(byte[] request) {
    byte[] a = new byte[9];
    System.arraycopy(request, 0, a, 0, 8);
    return a;
  }

  @Test
  void unaryCallsAgainstOneStream() throws Exception {
    ServerServiceDefinition echo = ServerServiceDefinition.builder("timing.Echo")
        .addMethod(UNARY, ServerCalls.asyncUnaryCall((req, out) -> {
          out.onNext(ack(req));
          out.onCompleted();
        }))
        .addMethod(STREAM, ServerCalls.asyncBidiStreamingCall(out -> new StreamObserver<byte[]>() {
          @Override public void onNext(byte[] req) {
            synchronized (out) {
              out.onNext(ack(req));
            }
          }
          @Override public void onError(Throwable t) { }
          @Override public void onCompleted() {
            synchronized (out) {
              out.onCompleted();
            }
          }
        })).build();
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(echo).build().start();
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    try {
      Function<byte[], CompletableFuture<byte[]>> unary = req -> {
        CompletableFuture<byte[]> f = new CompletableFuture<>();
        ClientCalls.asyncUnaryCall(channel.newCall(UNARY, CallOptions.DEFAULT), req, observer(f));
        return f;
      };
      Map<Long, CompletableFuture<byte[]>> pending = new ConcurrentHashMap<>();
      StreamObserver<byte[]> requests = ClientCalls.asyncBidiStreamingCall(channel.newCall(STREAM, CallOptions.DEFAULT),
          new StreamObserver<>() {
            @Override public void onNext(byte[] reply) { pending.remove(ByteBuffer.wrap(reply).getLong()).complete(reply); }
            @Override public void onError(Throwable t) { pending.values().forEach(f -> f.completeExceptionally(t)); }
            @Override public void onCompleted() { }
          });
      Function<byte[], CompletableFuture<byte[]>> streamed = req -> {
        CompletableFuture<byte[]> f = new CompletableFuture<>();
        pending.put(ByteBuffer.wrap(req).getLong(), f);
        synchronized (requests) {
          requests.onNext(req);
        }
        return f;
      };
      run(unary);
      run(streamed);
      long unaryNanos = run(unary);
      long streamNanos = run(streamed);
      synchronized (requests) {
        requests.onCompleted();
      }
      log.info("{} x {} B requests, {} in flight, one connection: unary calls {} ops/s, one bidi stream {} ops/s",
          REQUESTS, PAYLOAD, IN_FLIGHT, REQUESTS * 1_000_000_000L / unaryNanos, REQUESTS * 1_000_000_000L / streamNanos);
    } finally {
      channel.shutdownNow();
      server.shutdownNow();
    }
  }

  /** Sends REQUESTS requests keeping IN_FLIGHT outstanding; returns the elapsed nanos. */
  private static long run(Function<byte[], CompletableFuture<byte[]>> transport) throws Exception {
    AtomicLong ids = new AtomicLong();
    AtomicInteger answered = new AtomicInteger();
    CompletableFuture<Void> done = new CompletableFuture<>();
    long t0 = System.nanoTime();
    for (int i = 0; i < IN_FLIGHT; i++) {
      sendNext(transport, ids, answered, done);
    }
    done.get(120, TimeUnit.SECONDS);
    assertThat(answered.get()).isEqualTo(REQUESTS);
    return System.nanoTime() - t0;
  }

  private static void sendNext(Function<byte[], CompletableFuture<byte[]>> transport, AtomicLong ids,
      AtomicInteger answered, CompletableFuture<Void> done) {
    long id = ids.getAndIncrement();
    if (id >= REQUESTS) {
      return;
    }
    byte[] req = new byte[8 + PAYLOAD];
    ByteBuffer.wrap(req).putLong(id);
    transport.apply(req).whenComplete((r, e) -> {
      if (e != null) {
        done.completeExceptionally(e);
      } else if (answered.incrementAndGet() == REQUESTS) {
        done.complete(null);
      } else {
        sendNext(transport, ids, answered, done);
      }
    });
  }

  private static StreamObserver<byte[]> observer(CompletableFuture<byte[]> f) {
    return new StreamObserver<>() {
      @Override public void onNext(byte[] value) { f.complete(value); }
      @Override public void onError(Throwable t) { f.completeExceptionally(t); }
      @Override public void onCompleted() { }
    };
  }

  private static final class Bytes implements MethodDescriptor.Marshaller<byte[]> {
    @Override public InputStream stream(byte[] value) { return new ByteArrayInputStream(value); }
    @Override public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
