package org.snipblock.adapter.control;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.snipblock.adapter.Inventory;
import org.snipblock.adapter.model.Kinds;
import org.snipblock.adapter.model.TaskRecord;
import org.snipblock.adapter.records.RecordBook;
import org.snipblock.adapter.records.RecordConflict;
import org.snipblock.adapter.records.Stored;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one controller of the fleet: every host agent runs one, and the one holding the lease record
 * ({@code lease/controller}, a compare-and-set with an expiry, renewed every 2 s, valid 10 s) acts:
 * it runs the queued tasks one at a time, and opens recovery tasks for the VMs of dead hosts. Another
 * agent takes the lease once it has expired; a holder that cannot renew stops acting before the
 * expiry (it counts from its own last successful renewal). The clock alone cannot stop a holder that
 * was frozen (SIGSTOP, a long pause) between a check and an effect, so before each step's effect the
 * task runner also reads the lease record: it must still be the version this controller last wrote
 * (a fencing token): once another host took the lease, the version moved on and the old holder stops.
 */
public final class Controller implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Controller.class);
  public static final String LEASE_KEY = "controller";

  private final String me;
  private final Inventory inventory;
  private final RecordBook<Lease> leases;
  private final TaskPlans plans;
  private final Recovery recovery;
  private final ScheduledExecutorService renewer = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "lease"));
  private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "controller"));
  /** Until when this controller may act, by its own clock: the expiry of its last renewal, less a margin. */
  private volatile long actUntil;
  /** The version of the lease record this controller last wrote; 0 before it first holds it. */
  private long writtenVersion;
  /** Renewal and the fencing check do not interleave: a renewal moves the version the check compares. */
  private final Object leaseLock = new Object();

  public Controller(String me, Inventory inventory) {
    this.me = me;
    this.inventory = inventory;
    this.leases = new RecordBook<>(inventory.records(), Kinds.LEASE, Lease.class);
    this.plans = new TaskPlans(inventory);
    this.recovery = new Recovery(inventory);
  }

  public void start() {
    renewer.scheduleWithFixedDelay(this::renew, 0, Lease.RENEW_MILLIS, TimeUnit.MILLISECONDS);
    worker.scheduleWithFixedDelay(this::work, 500, 500, TimeUnit.MILLISECONDS);
  }

  boolean held() {
    return System.currentTimeMillis() < actUntil;
  }

  /**
   * The fencing check before a step's effect: the clock says the lease is still ours and the lease
   * record is still the one this controller wrote. A record that cannot be read confirms nothing.
   */
  boolean confirmed() {
    if (!held()) {
      return false;
    }
    synchronized (leaseLock) {
      try {
        Optional<Stored<Lease>> current = leases.get(LEASE_KEY);
        boolean mine = current.isPresent() && current.get().version() == writtenVersion
            && current.get().value().holder().equals(me);
        if (!mine) {
          actUntil = 0;
        }
        return mine;
      } catch (RuntimeException e) {
        log.warn("{}: cannot read the controller lease to confirm it: {}", me, e.getMessage());
        return false;
      }
    }
  }

  private void renew() {
    synchronized (leaseLock) {
      renewLocked();
    }
  }

  private void renewLocked() {
    long now = System.currentTimeMillis();
    try {
      Optional<Stored<Lease>> current = leases.get(LEASE_KEY);
      Lease next = new Lease(me, now + Lease.TTL_MILLIS);
      Stored<Lease> written;
      if (current.isEmpty()) {
        written = leases.create(LEASE_KEY, next);
      } else if (current.get().value().holder().equals(me) || current.get().value().expires() < now) {
        written = leases.replace(current.get(), next);
      } else {
        actUntil = 0;
        return;
      }
      writtenVersion = written.version();
      if (!held()) {
        log.info("{} holds the controller lease", me);
      }
      // stop acting a renewal period before the others may take over
      actUntil = now + Lease.TTL_MILLIS - 2 * Lease.RENEW_MILLIS;
    } catch (RecordConflict e) {
      actUntil = 0;
    } catch (RuntimeException e) {
      log.warn("{}: cannot renew the controller lease: {}", me, e.getMessage());
    }
  }

  private void work() {
    if (!held()) {
      return;
    }
    try {
      recovery.openTasks(me);
      List<Stored<TaskRecord>> open = inventory.tasks.list().stream().filter(t -> !t.value().finished())
          .sorted(Comparator.comparingLong((Stored<TaskRecord> t) -> t.value().created()).thenComparing(Stored::key))
          .toList();
      if (!open.isEmpty()) {
        TaskRecord task = open.get(0).value();
        new TaskRunner(inventory, this::confirmed).run(task, plans.steps(task));
      }
      TaskHistory.prune(inventory);
    } catch (LeaseLost e) {
      log.warn("{}: {}", me, e.getMessage());
    } catch (RuntimeException e) {
      log.warn("controller {}: {}", me, e.toString());
    }
  }

  @Override
  public void close() {
    worker.shutdownNow();
    renewer.shutdownNow();
    try {
      worker.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
