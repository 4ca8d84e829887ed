package org.snipblock.store.qos;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The node's QoS timer: one daemon thread that releases delayed requests, so neither the doors'
 * event loops nor the store's threads ever wait for a budget. The requests it releases continue
 * on it, which is what the doors' event loops would otherwise do: hand them to the volume.
 */
public final class SchedulerTimer implements ThrottleTimer, AutoCloseable {
  private final ScheduledExecutorService executor;

  public SchedulerTimer(String nodeId) {
    executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "qos-" + nodeId);
      t.setDaemon(true);
      return t;
    });
  }

  @Override
  public long now() {
    return System.nanoTime();
  }

  @Override
  public void schedule(Runnable task, long delayNanos) {
    executor.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
