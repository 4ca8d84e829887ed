package org.snipblock.store.qos;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** A clock turned by the test: scheduled tasks run, in due order, when {@link #advance} passes their time. */
final class ManualTimer implements ThrottleTimer {
  private record Task(long due, long order, Runnable run) {}

  private final List<Task> tasks = new ArrayList<>();
  private long now = 1_000_000_000L;
  private long order;

  @Override
  public long now() {
    return now;
  }

  @Override
  public void schedule(Runnable task, long delayNanos) {
    tasks.add(new Task(now + delayNanos, order++, task));
  }

  /** Moves the clock on, running every task that falls due on the way, each at its own time. */
  void advance(long nanos) {
    long end = now + nanos;
    for (int i = 0; i < 1_000_000; i++) {
      Task next = tasks.stream().filter(t -> t.due() <= end)
          .min(Comparator.comparingLong(Task::due).thenComparingLong(Task::order)).orElse(null);
      if (next == null) {
        now = end;
        return;
      }
      tasks.remove(next);
      now = Math.max(now, next.due());
      next.run().run();
    }
    throw new AssertionError("timer tasks keep rescheduling themselves at the same instant");
  }

  void advanceMillis(long millis) {
    advance(millis * 1_000_000L);
  }

  int pending() {
    return tasks.size();
  }
}
