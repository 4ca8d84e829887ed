package org.snipblock.cluster.follow;

import com.google.protobuf.MessageLite;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.MethodDescriptor;
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

  /** Every operation but request() and start() runs on the WAN timer, in due order. */
  private static final class Delayed<Q, R> extends ForwardingClientCall.SimpleForwardingClientCall<Q, R> {
    private final WanPacing pacing;
    private long lastDue;
    private volatile boolean cancelled;

    Delayed(ClientCall<Q, R> call, WanPacing pacing) {
      super(call);
      this.pacing = pacing;
    }

    @Override
    public void sendMessage(Q message) {
      long bytes = message instanceof MessageLite m ? m.getSerializedSize() : 0;
      long due;
      synchronized (this) {
        due = Math.max(lastDue, pacing.arrival(bytes));
        lastDue = due;
      }
      WanPacing.at(due, () -> {
        if (!cancelled) {
          try {
            delegate().sendMessage(message);
          } catch (RuntimeException e) {
            log.debug("simulated WAN: a held-back message was not sent: {}", e.toString());
          }
        }
      });
    }

    @Override
    public void halfClose() {
      long due;
      synchronized (this) {
        due = Math.max(lastDue, System.nanoTime() + pacing.delayNanos());
        lastDue = due;
      }
      WanPacing.at(due, () -> {
        if (!cancelled) {
          try {
            delegate().halfClose();
          } catch (RuntimeException e) {
            log.debug("simulated WAN: a held-back half-close failed: {}", e.toString());
          }
        }
      });
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
