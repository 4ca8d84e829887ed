package org.snipblock.adapter.control;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.snipblock.adapter.Inventory;
import org.snipblock.adapter.model.DiskSpec;
import org.snipblock.adapter.model.TaskRecord;
import org.snipblock.adapter.model.TemplateRecord;
import org.snipblock.adapter.model.VmRecord;
import org.snipblock.adapter.model.VmSpec;
import org.snipblock.adapter.placement.Placement;
import org.snipblock.adapter.records.Stored;
import org.snipblock.cluster.topology.Location;
import org.snipblock.node.config.ByteSize;

/**
 * The steps of each kind of task. They are built from the task record alone, so the controller that
 * rolls a task back after a restart gets the same list as the one that ran it.
 */
final class TaskPlans {
  private final Inventory inventory;
  private final VmSteps vm;

  TaskPlans(Inventory inventory) {
    this.inventory = inventory;
    this.vm = new VmSteps(inventory);
  }

  List<Step> steps(TaskRecord t) {
    return switch (t.kind()) {
      case "create" -> create(t);
      case "start" -> List.of(vm.rehome(t.vm()), vm.start(t.vm()));
      case "stop" -> List.of(vm.stop(t.vm()));
      case "restart" -> List.of(vm.stop(t.vm()), vm.start(t.vm()));
      case "delete" -> delete(t.vm());
      case "recover" -> recover(t);
      case "migrate" -> migrate(t);
      case Tasks.MIGRATE_SITE -> new SiteMove(inventory, vm, t).steps();
      default -> throw new IllegalStateException("unknown task kind " + t.kind());
    };
  }

  static String volumeName(String vm, int disk) {
    return vm + "-disk" + disk;
  }

  private List<Step> create(TaskRecord t) {
    String name = t.vm();
    VmSpec spec = t.spec();
    List<String> volumes = IntStream.range(0, spec.disks().size()).mapToObj(i -> volumeName(name, i)).toList();
    List<Step> steps = new ArrayList<>();
    steps.add(Step.of("place " + name + " and record it", task -> {
      if (inventory.vms.get(name).map(s -> t.id().equals(s.value().task())).orElse(false)) {
        return;  // recorded before a controller change
      }
      // Its disks do not exist yet: the templates they clone are the storage to be near.
      List<String> templates = spec.disks().stream().map(DiskSpec::template).filter(java.util.Objects::nonNull)
          .distinct().map(n -> inventory.templates.get(n).map(s -> s.value().volume()).orElse(null))
          .filter(java.util.Objects::nonNull).toList();
      Placement.Decision d = vm.place(name, spec, null, Set.of(), false, templates);
      task.note("placed on " + d.host() + ": " + d.why());
      inventory.vms.create(name, new VmRecord(name, spec, d.host(), volumes, VmRecord.STOPPED, VmRecord.DEFINED,
          "being created", 0, t.id(), System.currentTimeMillis(), null));
    }, task -> inventory.vms.get(name).filter(s -> t.id().equals(s.value().task()))
        .ifPresent(s -> inventory.vms.delete(name, 0))));
    for (int i = 0; i < spec.disks().size(); i++) {
      DiskSpec disk = spec.disks().get(i);
      String volume = volumes.get(i);
      if (disk.template() != null) {
        steps.add(Step.of("disk " + i + ": clone of template " + disk.template() + " as " + volume + " ("
            + ByteSize.format(disk.sizeBytes()) + ")", task -> {
              TemplateRecord tpl = inventory.templates.get(disk.template()).map(Stored::value)
                  .orElseThrow(() -> new IllegalStateException("template " + disk.template() + " is gone"));
              vm.storage().cloneOf(tpl.volume(), tpl.snapshot(), volume, Math.max(disk.sizeBytes(), tpl.sizeBytes()));
            }, task -> vm.storage().delete(volume)));
      } else {
        steps.add(Step.of("disk " + i + ": new volume " + volume + " (" + ByteSize.format(disk.sizeBytes()) + ")",
            task -> vm.storage().create(volume, disk.sizeBytes()), task -> vm.storage().delete(volume)));
      }
    }
    steps.add(vm.allow(name, null));
    steps.add(vm.start(name));
    return steps;
  }

  private List<Step> delete(String name) {
    return List.of(vm.stop(name), Step.of("delete the volumes of " + name, task -> {
      for (String v : inventory.vms.get(name).map(s -> s.value().volumes()).orElse(List.of())) {
        vm.storage().delete(v);
      }
    }, task -> { }), Step.of("delete the record of " + name, task -> inventory.vms.delete(name, 0), task -> { }));
  }

  /**
   * Live migration within a site: let the target host in at the storage, have its agent start a QEMU
   * waiting for the VM and the source's agent send it there, then shut the source host out.
   */
  private List<Step> migrate(TaskRecord t) {
    LiveMigration live = new LiveMigration(inventory, vm, t.vm(), vm.vm(t.vm()).host(), t.target());
    return List.of(live.letIn(), live.move(), live.shutOut());
  }

  /** Restart elsewhere: choose a host near the dead one (preempting if need be), fence the dead one, start. */
  private List<Step> recover(TaskRecord t) {
    String name = t.vm();
    String dead = t.target();
    return List.of(Step.of("choose a host for " + name + " instead of " + dead, task -> {
      VmRecord v = vm.vm(name);
      if (!dead.equals(v.host())) {
        return;  // moved before a controller change
      }
      Location near = Location.parse(vm.host(dead).location());
      // a host named at creation (--host) is where the VM starts, not a place it may only ever run
      VmSpec anywhere = v.spec().at(v.spec().site(), null);
      Placement.Decision d = vm.placeAfterLoss(name, anywhere, near, Set.of(dead), v.volumes());
      for (String victim : d.preempt()) {
        task.note("stopping " + victim + " (priority " + vm.vm(victim).spec().priority() + ") to make room for "
            + name + " (priority " + v.spec().priority() + ")");
        vm.stopNow(task, victim);
      }
      task.note("chose " + d.host() + ": " + d.why());
      inventory.vms.update(name, r -> r.withHost(d.host()).withState(VmRecord.STOPPED, "host " + dead + " died", 0));
    }, task -> { }), vm.allow(name, dead), vm.start(name));
  }
}
