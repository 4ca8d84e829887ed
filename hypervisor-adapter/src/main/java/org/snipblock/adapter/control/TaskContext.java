package org.snipblock.adapter.control;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.snipblock.adapter.Inventory;
import org.snipblock.adapter.model.TaskRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What a step sees of its task: the inventory, a place to note decisions, and the abort/lease checks. */
public final class TaskContext {
  private static final Logger log = LoggerFactory.getLogger(TaskContext.class);
  private static final long POLL_MILLIS = 250;

  private final Inventory inventory;
  private final String taskId;
  private final BooleanSupplier leaseHeld;

  TaskContext(Inventory inventory, String taskId, BooleanSupplier leaseHeld) {
    this.inventory = inventory;
    this.taskId = taskId;
    this.leaseHeld = leaseHeld;
  }

  public Inventory inventory() {
    return inventory;
  }

  public TaskRecord task() {
    return inventory.tasks.get(taskId).orElseThrow(() -> new IllegalStateException("task " + taskId + " is gone"))
        .value();
  }

  /** Records a decision in the task, for {@code task show}. */
  public void note(String line) {
    log.info("task {}: {}", taskId, line);
    inventory.tasks.update(taskId, t -> t.withNote(line));
  }

  /** Stops the task at once if this controller no longer holds the lease (its record moved on). */
  void fence() {
    if (!leaseHeld.getAsBoolean()) {
      throw new LeaseLost();
    }
  }

  /** Stops the step if the operator aborted the task or this controller lost its lease. */
  public void checkpoint() {
    fence();
    if (task().abortRequested()) {
      throw new TaskAborted();
    }
  }

  /**
   * Waits until {@code done} holds, checking for an abort in between; fails with {@code what} after
   * {@code timeout}.
   */
  public void await(String what, Duration timeout, BooleanSupplier done) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.getAsBoolean()) {
      checkpoint();
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out after " + timeout.toSeconds() + " s waiting for " + what);
      }
      try {
        TimeUnit.MILLISECONDS.sleep(POLL_MILLIS);  // the host agents report through the records
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new LeaseLost();
      }
    }
  }
}
