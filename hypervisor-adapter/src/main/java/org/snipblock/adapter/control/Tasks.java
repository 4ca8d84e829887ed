package org.snipblock.adapter.control;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.snipblock.adapter.Inventory;
import org.snipblock.adapter.model.TaskRecord;
import org.snipblock.adapter.model.VmSpec;
import org.snipblock.adapter.records.Stored;
import org.snipblock.node.OperatorError;

/** Opening tasks: one open task per VM at a time, ids that sort by creation. */
public final class Tasks {
  /** A live migration into another site, the VM's storage following it ({@code vm migrate --to-site}). */
  public static final String MIGRATE_SITE = "migrate-site";
  private Tasks() {}

  /** Queues a task for the controller; refused while the VM has another open task. */
  public static TaskRecord submit(Inventory inventory, String kind, String vm, VmSpec spec, String target) {
    openFor(inventory, vm).ifPresent(t -> {
      throw new OperatorError("vm " + vm + " has task " + t.id() + " (" + t.kind() + ", " + t.state()
          + ") open: wait for it (task wait " + t.id() + ") or abort it");
    });
    long now = System.currentTimeMillis();
    String id = String.format("%x-%04x", now, ThreadLocalRandom.current().nextInt(0x10000));
    TaskRecord task = new TaskRecord(id, kind, vm, spec, target, TaskRecord.QUEUED, List.of(), List.of(), null, false,
        now, now);
    return inventory.tasks.create(id, task).value();
  }

  public static Optional<TaskRecord> openFor(Inventory inventory, String vm) {
    return inventory.tasks.list().stream().map(Stored::value).filter(t -> t.vm().equals(vm) && !t.finished())
        .findFirst();
  }
}
