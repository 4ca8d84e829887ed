package org.snipblock.adapter.control;

import java.util.Map;
import java.util.stream.Collectors;
import org.snipblock.adapter.Inventory;
import org.snipblock.adapter.model.HostRecord;
import org.snipblock.adapter.model.TaskRecord;
import org.snipblock.adapter.model.VmRecord;
import org.snipblock.adapter.records.Stored;
import org.snipblock.node.OperatorError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a recovery task for every VM that should run but whose host has stopped beating (seed 004:
 * restart on other hosts), higher priorities first so that they are placed first. A failed recovery
 * is opened again after {@link #RETRY_MILLIS}.
 */
final class Recovery {
  private static final Logger log = LoggerFactory.getLogger(Recovery.class);

  private final Inventory inventory;

  Recovery(Inventory inventory) {
    this.inventory = inventory;
  }

  /** A recovery that failed (no room anywhere, say) is tried again after this long, not in a tight loop. */
  static final long RETRY_MILLIS = 30_000;

  private boolean failedLately(String vm, long now) {
    return inventory.tasks.list().stream().map(Stored::value)
        .anyMatch(t -> t.kind().equals("recover") && t.vm().equals(vm) && t.finished()
            && !t.state().equals(TaskRecord.DONE) && now - t.updated() < RETRY_MILLIS);
  }

  void openTasks(String controller) {
    long now = System.currentTimeMillis();
    Map<String, HostRecord> hosts = inventory.hosts.list().stream().map(Stored::value)
        .collect(Collectors.toMap(HostRecord::id, h -> h));
    inventory.vms.list().stream().map(Stored::value)
        .filter(v -> VmRecord.RUNNING.equals(v.desired()) && v.host() != null)
        .filter(v -> hosts.containsKey(v.host()) && !hosts.get(v.host()).alive(now))
        .filter(v -> Tasks.openFor(inventory, v.name()).isEmpty() && !failedLately(v.name(), now))
        .sorted((a, b) -> Integer.compare(b.spec().priority(), a.spec().priority()))
        .forEach(v -> {
          try {
            long silent = (now - hosts.get(v.host()).heartbeat()) / 1000;
            Tasks.submit(inventory, "recover", v.name(), null, v.host());
            log.info("{}: host {} silent for {} s; recovering {}", controller, v.host(), silent, v.name());
          } catch (OperatorError e) {
            log.debug("not recovering {} yet: {}", v.name(), e.getMessage());
          }
        });
  }
}
