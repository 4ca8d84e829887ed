package org.snipblock.adapter.control;

import java.util.List;
import java.util.function.BooleanSupplier;
import org.snipblock.adapter.Inventory;
import org.snipblock.adapter.model.TaskRecord;
import org.snipblock.adapter.model.TaskRecord.StepRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a task's steps in order, recording each before and after it runs; on a failure or an abort it
 * undoes, in reverse order, every step that began (a step marked running may have done its work
 * before the controller stopped). A task that a previous controller left running is rolled back.
 * Every write of a step or of the task's state is preceded by the lease's fencing check
 * ({@link TaskContext#fence}), so a controller that was frozen while another took over does nothing
 * more, not even the roll-back its own failure would start.
 */
final class TaskRunner {
  private static final Logger log = LoggerFactory.getLogger(TaskRunner.class);

  private final Inventory inventory;
  private final BooleanSupplier leaseHeld;

  TaskRunner(Inventory inventory, BooleanSupplier leaseHeld) {
    this.inventory = inventory;
    this.leaseHeld = leaseHeld;
  }

  void run(TaskRecord task, List<Step> steps) {
    TaskContext ctx = new TaskContext(inventory, task.id(), leaseHeld);
    try {
      if (task.state().equals(TaskRecord.QUEUED)) {
        ctx.fence();
        List<String> plan = steps.stream().map(Step::name).toList();
        inventory.tasks.update(task.id(), t -> t.withState(TaskRecord.RUNNING, null).withPlan(plan));
        forward(ctx, steps);
        ctx.fence();
        inventory.tasks.update(task.id(), t -> t.withState(TaskRecord.DONE, null));
        log.info("task {} ({} {}) done", task.id(), task.kind(), task.vm());
      } else if (task.state().equals(TaskRecord.RUNNING)) {
        rollBack(ctx, steps, "interrupted by a controller change; rolled back by the next controller");
      } else if (task.state().equals(TaskRecord.ROLLING_BACK)) {
        rollBack(ctx, steps, null);
      }
    } catch (LeaseLost e) {
      log.warn("task {}: {}; the next controller rolls it back", task.id(), e.getMessage());
    } catch (RuntimeException e) {
      String why = e.getMessage() == null ? e.toString() : e.getMessage();
      log.warn("task {} ({} {}) failed: {}", task.id(), task.kind(), task.vm(), why);
      rollBack(ctx, steps, why);
    }
  }

  private void forward(TaskContext ctx, List<Step> steps) {
    for (int i = 0; i < steps.size(); i++) {
      int index = i;
      Step step = steps.get(i);
      List<StepRecord> done = ctx.task().steps();
      if (index < done.size() && done.get(index).state().equals("done")) {
        continue;
      }
      ctx.checkpoint();
      inventory.tasks.update(ctx.task().id(), t -> t.withStep(index, new StepRecord(step.name(), "running", null)));
      step.apply(ctx);
      ctx.fence();
      inventory.tasks.update(ctx.task().id(), t -> t.withStep(index, new StepRecord(step.name(), "done", null)));
    }
  }

  private void rollBack(TaskContext ctx, List<Step> steps, String why) {
    String id = ctx.task().id();
    ctx.fence();
    inventory.tasks.update(id, t -> t.withState(TaskRecord.ROLLING_BACK, why));
    List<StepRecord> recorded = ctx.task().steps();
    for (int i = Math.min(recorded.size(), steps.size()) - 1; i >= 0; i--) {
      int index = i;
      StepRecord r = recorded.get(i);
      if (!r.state().equals("running") && !r.state().equals("done")) {
        continue;
      }
      try {
        ctx.fence();
        steps.get(i).undo(ctx);
        inventory.tasks.update(id, t -> t.withStep(index, new StepRecord(r.name(), "undone", null)));
      } catch (LeaseLost e) {
        throw e;
      } catch (RuntimeException e) {
        String failure = "undoing '" + r.name() + "' failed: " + e.getMessage();
        inventory.tasks.update(id, t -> t.withStep(index, new StepRecord(r.name(), "failed", e.getMessage()))
            .withState(TaskRecord.FAILED, (why == null ? "" : why + "; ") + failure));
        log.error("task {}: {}", id, failure);
        return;
      }
    }
    inventory.tasks.update(id, t -> t.withState(TaskRecord.ROLLED_BACK, null));
    log.info("task {} rolled back: {}", id, why);
  }
}
