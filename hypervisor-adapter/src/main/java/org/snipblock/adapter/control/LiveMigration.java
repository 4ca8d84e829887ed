package org.snipblock.adapter.control;

import java.time.Duration;
import java.util.Set;
import org.snipblock.adapter.Inventory;
import org.snipblock.adapter.agent.HostConfig;
import org.snipblock.adapter.model.VmRecord;
import org.snipblock.adapter.model.VmSpec;
import org.snipblock.adapter.placement.Placement;
import org.snipblock.cluster.topology.Location;

/**
 * The steps of a live migration of one VM from {@code source} to {@code target}: let the target in
 * at the storage, have its agent start a QEMU waiting for the VM and the source's agent send it
 * there over QMP, then shut the source out. Within a site, and as the last part of a move to
 * another site ({@link SiteMove}).
 */
final class LiveMigration {
  private static final Duration MIGRATE_TIMEOUT = Duration.ofSeconds(180);

  private final Inventory inventory;
  private final VmSteps vm;
  private final String name;
  private final String source;
  private final String target;
  private final String initiator;

  LiveMigration(Inventory inventory, VmSteps vm, String name, String source, String target) {
    this.inventory = inventory;
    this.vm = vm;
    this.name = name;
    this.source = source;
    this.target = target;
    this.initiator = HostConfig.initiatorOf(target);
  }

  Step letIn() {
    return Step.of("let " + target + " in at the storage", task -> {
      VmRecord v = vm.vm(name);
      VmSpec there = v.spec().at(Location.parse(vm.host(target).location()).site(), target);
      Placement.Decision d = vm.place(name, there, null, Set.of(source), false, java.util.List.of());
      task.note("target " + d.why());
      vm.storage().access(v.volumes(), initiator, null);
    }, task -> {
      if (!target.equals(vm.vm(name).host())) {
        vm.storage().access(vm.vm(name).volumes(), null, initiator);
      }
    });
  }

  Step move() {
    return Step.of("live-migrate " + name + " from " + source + " to " + target, task -> {
      inventory.vms.update(name, v -> v.withMigration(new VmRecord.Migration(target, null, VmRecord.Migration.REQUESTED)));
      task.await(name + " to arrive on " + target, MIGRATE_TIMEOUT, () -> {
        VmRecord v = vm.vm(name);
        if (v.migration() != null && v.migration().failed()) {
          throw new IllegalStateException(v.migration().state());
        }
        return target.equals(v.host()) && v.migration() == null;
      });
      task.note(vm.vm(name).detail());
    }, task -> inventory.vms.update(name, v -> target.equals(v.host()) ? v : v.withMigration(null)));
  }

  Step shutOut() {
    return Step.of("shut " + source + " out of the volumes of " + name,
        task -> vm.storage().access(vm.vm(name).volumes(), initiator, HostConfig.initiatorOf(source)), task -> { });
  }
}
