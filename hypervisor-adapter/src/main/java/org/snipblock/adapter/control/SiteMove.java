package org.snipblock.adapter.control;

import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
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
 * there); live-migrate QEMU over QMP to the target host, whose QEMU reaches the volumes through a
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
      CompletableFuture<List<String>> moving = CompletableFuture.supplyAsync(() -> followAll(site));
      FOLLOWING.put(task.id(), moving);
      ctx.await("the volumes of " + name + " in site " + site, FOLLOW_TIMEOUT, moving::isDone);
      moving.join().forEach(ctx::note);
      FOLLOWING.remove(task.id());
    }, ctx -> followBack(ctx)), live.move(), live.shutOut(), Step.of("record " + name + " in site " + site,
        ctx -> inventory.vms.update(name, v -> v.spec().site() == null ? v : v.withSpec(v.spec().at(site, null))),
        ctx -> { }));
  }

  private List<String> followAll(String site) {
    List<String> notes = new ArrayList<>();
    for (String volume : vm.vm(name).volumes()) {
      for (String s : vm.storage().follow(volume, site)) {
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
      for (String s : followOnceFree(volume, here)) {
        ctx.note(volume + " back in site " + here + ": " + s);
      }
    }
  }

  /**
   * Follows, waiting while a migration of the volume still runs (one that a previous controller
   * asked for before it died: it cannot be stopped, and the adapter cannot watch it, so this asks
   * again every few seconds, bounded). Every storage node answers so until that migration's last
   * step, not only its primary: an answer "already in site" meanwhile would end this undo while the
   * dead controller's migration still moves the volume away.
   */
  private List<String> followOnceFree(String volume, String site) {
    long deadline = System.nanoTime() + FOLLOW_TIMEOUT.toNanos();
    while (true) {
      try {
        return vm.storage().follow(volume, site);
      } catch (StatusRuntimeException e) {
        String why = e.getStatus().getDescription();
        if (why == null || !why.contains("is already migrating") || System.nanoTime() > deadline) {
          throw e;
        }
        log.info("task {}: {}", task.id(), why);
      }
      try {
        TimeUnit.SECONDS.sleep(RETRY_SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while " + volume + " migrated", e);
      }
    }
  }

  private String siteOf(String host) {
    return Location.parse(vm.host(host).location()).site();
  }
}
