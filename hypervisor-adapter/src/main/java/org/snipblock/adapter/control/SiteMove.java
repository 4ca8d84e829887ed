package org.snipblock.adapter.control;

import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.snipblock.adapter.Inventory;
import org.snipblock.adapter.model.TaskRecord;
import org.snipblock.adapter.model.VmRecord;
import org.snipblock.cluster.topology.Location;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code vm migrate NAME --to-site SITE}: the VM's storage follows it into the site, then the VM
 * itself, live. Steps: let the target host in at the storage; every volume of the VM follows
 * ({@code volume migrate --to-site} on its primary: copies in the site, catch-up, sync, primary
 * there; a primary lost mid-way leaves the migration to the volume's next primary, which the step
 * waits for); live-migrate QEMU over QMP to the target host, whose QEMU reaches the volumes through a
 * door of its own site; shut the source host out; record the VM in the site. Rolled back (abort, a
 * failure, a controller change mid-way), the volumes follow back to the site the VM still runs in.
 * The target host was chosen when the task was submitted, so every controller builds the same steps.
 */
final class SiteMove {
  private static final Logger log = LoggerFactory.getLogger(SiteMove.class);
  private static final Duration FOLLOW_TIMEOUT = Duration.ofMinutes(30);
  private static final long RETRY_SECONDS = 3;
  /** Storage moves under way in this controller, by task: an undo waits for its move to end first. */
  private static final Map<String, CompletableFuture<List<String>>> FOLLOWING = new ConcurrentHashMap<>();

  private final Inventory inventory;
  private final VmSteps vm;
  private final TaskRecord task;
  private final String name;
  private final String target;
  private final LiveMigration live;

  SiteMove(Inventory inventory, VmSteps vm, TaskRecord task) {
    this.inventory = inventory;
    this.vm = vm;
    this.task = task;
    this.name = task.vm();
    this.target = task.target();
    this.live = new LiveMigration(inventory, vm, name, vm.vm(name).host(), target);
  }

  List<Step> steps() {
    String site = siteOf(target);
    return List.of(live.letIn(), Step.of("storage of " + name + " follows to site " + site, ctx -> {
      CompletableFuture<List<String>> moving = CompletableFuture.supplyAsync(() -> followAll(ctx, site));
      FOLLOWING.put(task.id(), moving);
      ctx.await("the volumes of " + name + " in site " + site, FOLLOW_TIMEOUT, moving::isDone);
      try {
        moving.join().forEach(ctx::note);
      } catch (CompletionException e) {
        // the storage's refusal (or the abort seen while waiting), not its wrapper, is the task's error
        throw e.getCause() instanceof RuntimeException r ? r : e;
      }
      FOLLOWING.remove(task.id());
    }, ctx -> followBack(ctx)), live.move(), live.shutOut(), Step.of("record " + name + " in site " + site,
        ctx -> inventory.vms.update(name, v -> v.spec().site() == null ? v : v.withSpec(v.spec().at(site, null))),
        ctx -> { }));
  }

  /** Runs off the step's thread, which watches for an abort meanwhile. */
  private List<String> followAll(TaskContext ctx, String site) {
    List<String> notes = new ArrayList<>();
    for (String volume : vm.vm(name).volumes()) {
      for (String s : followOnceFree(ctx, volume, site, FollowWait.FORWARD, volume + ": ")) {
        notes.add(volume + ": " + s);
      }
    }
    return notes;
  }

  /** Undo: the volumes follow back to the site the VM runs in, unless it already arrived in the target site. */
  private void followBack(TaskContext ctx) {
    CompletableFuture<List<String>> moving = FOLLOWING.remove(task.id());
    if (moving != null) {
      try {
        moving.get(FOLLOW_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);   // the primary cannot be stopped mid-move
      } catch (Exception e) {
        log.info("task {}: the storage move being undone ended with: {}", task.id(), e.getMessage());
      }
    }
    VmRecord v = vm.vm(name);
    String here = siteOf(v.host());
    if (here.equals(siteOf(target))) {
      return;   // the VM arrived: its storage stays with it
    }
    for (String volume : v.volumes()) {
      String prefix = volume + " back in site " + here + ": ";
      for (String s : followOnceFree(ctx, volume, here, FollowWait.UNDO, prefix)) {
        ctx.note(prefix + s);
      }
    }
  }

  /**
   * Follows, asking again every few seconds (bounded) while the storage answers only "not yet"
   * (see {@code wait}): mostly, a migration of the volume still runs, one that cannot be stopped
   * and that the adapter cannot watch (asked by a previous controller before it died, or this
   * task's own, carried on by the volume's next primary after its primary was lost). Every storage
   * node answers "already migrating" until that migration's last step, not only its primary: an
   * answer "already in site" meanwhile would end the wait while the migration still moves the
   * volume. Each new answer is noted in the task (after {@code prefix}).
   */
  private List<String> followOnceFree(TaskContext ctx, String volume, String site, FollowWait wait, String prefix) {
    long deadline = System.nanoTime() + FOLLOW_TIMEOUT.toNanos();
    String shown = null;
    while (true) {
      try {
        return vm.storage().follow(volume, site);
      } catch (StatusRuntimeException e) {
        Optional<String> why = wait.of(e, site);
        if (why.isEmpty() || System.nanoTime() > deadline) {
          throw e;
        }
        log.debug("task {}: {} not yet followed to site {}: {}", task.id(), volume, site, why.get());
        if (!why.get().equals(shown)) {
          shown = noted(ctx, prefix + "waiting, asking again every " + RETRY_SECONDS + " s: " + why.get())
              ? why.get() : shown;
        }
      }
      wait.check(ctx);
      try {
        TimeUnit.SECONDS.sleep(RETRY_SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while " + volume + " migrated", e);
      }
    }
  }

  /**
   * Notes a wait; false if the note could not be written: the metadata may be without a leader
   * for a moment after a storage node's loss, which must not end the wait (it is noted next round).
   */
  private boolean noted(TaskContext ctx, String line) {
    try {
      ctx.note(line);
      return true;
    } catch (RuntimeException e) {
      log.info("task {}: {} (not noted in the task: {})", task.id(), line, e.getMessage());
      return false;
    }
  }

  private String siteOf(String host) {
    return Location.parse(vm.host(host).location()).site();
  }
}
