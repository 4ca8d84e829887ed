package org.snipblock.node.admin;

import io.grpc.stub.CallStreamObserver;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Lets a sending thread wait until a gRPC stream takes another message, so a long stream is sent at
 * the pace the other side reads it instead of piling up in memory. Install it as the stream's
 * on-ready handler; {@link #cancel} when the call ends early.
 */
final class ReadyGate implements Runnable {
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final CallStreamObserver<?> call;
  private volatile boolean cancelled;

  ReadyGate(CallStreamObserver<?> call) {
    this.call = call;
  }

  @Override
  public void run() {
    signal();
  }

  void cancel() {
    cancelled = true;
    signal();
  }

  private void signal() {
    lock.lock();
    try {
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Returns once the stream is ready for a message; fails once the call has ended. */
  void await() throws IOException {
    lock.lock();
    try {
      while (!call.isReady() && !cancelled) {
        // The bound only guards against a readiness change signalled between check and wait.
        changed.await(1, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while sending a stream");
    } finally {
      lock.unlock();
    }
    if (cancelled) {
      throw new IOException("the other side ended the stream");
    }
  }
}
