package org.snipblock.node.admin;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Work around chosen unary admin calls without touching their services: a check (that may refuse or
 * rewrite the request) before, a rewrite of the reply, and a step after, told whether the call
 * succeeded. Calls without a hook pass unchanged.
 */
final class CallHooks implements ServerInterceptor {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(CallHooks.class);
  /** One method's hook. */
  interface Hook<Q, R> {
    /** The request to serve (possibly changed); throws to refuse the call. */
    Q before(Q request);

    default R reply(R reply) {
      return reply;
    }

    default void after(Q request, boolean ok) {}
  }

  private final Map<String, Hook<?, ?>> hooks = new HashMap<>();
  /** Applied to every call no hook names: e.g. operator only. */
  private final Consumer<String> unhooked;

  /** @param unhooked checks a call no hook names by its full method name (throws to refuse it) */
  CallHooks(Consumer<String> unhooked) {
    this.unhooked = unhooked;
  }

  <Q, R> CallHooks on(String fullMethodName, Hook<Q, R> hook) {
    hooks.put(fullMethodName, hook);
    return this;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    Hook<Q, R> hook = (Hook<Q, R>) hooks.get(method);
    if (hook == null) {
      try {
        unhooked.accept(method);
      } catch (RuntimeException e) {
        Status status = AdminService.toStatus(method, e).getStatus();
        log.info("refused {} by {}: {}", method, Caller.current(), status.getDescription());
        call.close(status, new Metadata());
        return new ServerCall.Listener<>() {};
      }
      return next.startCall(call, headers);
    }
    AtomicReference<Q> served = new AtomicReference<>();
    ServerCall<Q, R> hooked = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
      @Override
      public void sendMessage(R message) {
        super.sendMessage(hook.reply(message));
      }

      @Override
      public void close(Status status, Metadata trailers) {
        Q q = served.get();
        if (q != null) {
          hook.after(q, status.isOk());
        }
        super.close(status, trailers);
      }
    };
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(hooked, headers)) {
      private boolean refused;

      @Override
      public void onMessage(Q message) {
        Q q;
        try {
          q = hook.before(message);
        } catch (RuntimeException e) {
          refused = true;
          Status status = AdminService.toStatus(method, e).getStatus();
          log.info("refused {} by {}: {}", method, Caller.current(), status.getDescription());
          call.close(status, new Metadata());
          return;
        }
        served.set(q);
        super.onMessage(q);
      }

      @Override
      public void onHalfClose() {
        if (!refused) {
          super.onHalfClose();
        }
      }
    };
  }
}
