package org.snipblock.store.qos;

/** The clock and the timer of the throttles: the node's one QoS thread, or a test's hand-turned clock. */
public interface ThrottleTimer {

  /** Monotonic nanoseconds. */
  long now();

  /** Runs {@code task} once, {@code delayNanos} from now, never on the caller's thread. */
  void schedule(Runnable task, long delayNanos);
}
