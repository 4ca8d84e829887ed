package org.snipblock.node.admin;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * Times every admin call on this node, from its arrival to its answer, as
 * {@code snipblock_admin_call_seconds{method, status}}: how long a mode switch or a snapshot took
 * the node itself, apart from the client's own start (the CLI's JVM costs more than most calls).
 * Registered outermost, so refusals by the token check and the tenant gate are timed too.
 */
public final class AdminCallTimer implements ServerInterceptor {
  static final String METER = "snipblock.admin.call";

  private final MeterRegistry registry;

  public AdminCallTimer(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    long start = System.nanoTime();
    String method = call.getMethodDescriptor().getBareMethodName();
    ServerCall<Q, R> timed = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        timer(method, status).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        super.close(status, trailers);
      }
    };
    return next.startCall(timed, headers);
  }

  private Timer timer(String method, Status status) {
    return Timer.builder(METER).description("admin calls answered by this node, from arrival to answer")
        .tag("method", method == null ? "unknown" : method).tag("status", status.getCode().name())
        .register(registry);
  }
}
