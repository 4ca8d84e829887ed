package org.snipblock.cluster.follow;

import com.google.protobuf.MessageLite;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.MethodDescriptor;
import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The simulated WAN on the gRPC calls to one node of another site (replication streams, door
 * forwarding, digests and reads): each message the caller sends, and its half-close, reach the
 * wire only when {@link WanPacing} says they arrive. Replies come back undelayed, so each round
 * trip grows by the link's delay. A cancel drops what was still held back.
 */
final class WanDelay implements ClientInterceptor {
  private static final Logger log = LoggerFactory.getLogger(WanDelay.class);

  private final WanPacing pacing;

  WanDelay(WanPacing pacing) {
    this.pacing = pacing;
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    return new Delayed<>(next.newCall(method, options), pacing);
  }

  /**
   * Every operation but request() and start() runs on the WAN timer, in the order it was made. (A
   * timer task per operation alone does not keep that order: a half-close due at the same moment as
   * the message before it could run first, and the server then failed the call with "Half-closed
   * without a request".) Operations wait in a queue, in due order, and each timer task runs the
   * ones that are due.
   */
  static final class Delayed<Q, R> extends ForwardingClientCall.SimpleForwardingClientCall<Q, R> {
    private final WanPacing pacing;
    private final Deque<Held> held = new ArrayDeque<>();
    private long lastDue;
    private volatile boolean cancelled;

    private record Held(long due, String what, Runnable op) {}

    Delayed(ClientCall<Q, R> call, WanPacing pacing) {
      super(call);
      this.pacing = pacing;
    }

    @Override
    public void sendMessage(Q message) {
      long bytes = message instanceof MessageLite m ? m.getSerializedSize() : 0;
      hold(pacing.arrival(bytes), "message", () -> delegate().sendMessage(message));
    }

    @Override
    public void halfClose() {
      hold(System.nanoTime() + pacing.delayNanos(), "half-close", () -> delegate().halfClose());
    }

    private void hold(long arrival, String what, Runnable op) {
      long due;
      synchronized (this) {
        due = Math.max(lastDue, arrival);
        lastDue = due;
        held.addLast(new Held(due, what, op));
      }
      WanPacing.at(due, this::release);
    }

    /** On the timer (one thread): runs, in order, every held operation that is due. */
    private void release() {
      while (true) {
        Held h;
        synchronized (this) {
          h = held.peekFirst();
          if (h == null || h.due() > System.nanoTime()) {
            return;
          }
          held.pollFirst();
        }
        if (!cancelled) {
          try {
            h.op().run();
          } catch (RuntimeException e) {
            log.debug("simulated WAN: a held-back {} failed: {}", h.what(), e.toString());
          }
        }
      }
    }

    @Override
    public void cancel(String message, Throwable cause) {
      cancelled = true;
      WanPacing.TIMER.execute(() -> delegate().cancel(message, cause));
    }

    @Override
    public boolean isReady() {
      return !cancelled && super.isReady();
    }
  }
}
