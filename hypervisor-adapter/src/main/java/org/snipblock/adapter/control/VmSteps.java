package org.snipblock.adapter.control;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.snipblock.adapter.Inventory;
import org.snipblock.adapter.agent.HostConfig;
import org.snipblock.adapter.model.HostRecord;
import org.snipblock.adapter.model.VmRecord;
import org.snipblock.adapter.placement.Placement;
import org.snipblock.adapter.records.Stored;

/** The steps VM tasks are made of, each reading what it needs from the records. */
final class VmSteps {
  /** QEMU's start, including the iSCSI logins; the guest's own boot is not waited for. */
  static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

  private final Inventory inventory;
  private final Storage storage;

  VmSteps(Inventory inventory) {
    this.inventory = inventory;
    this.storage = new Storage(inventory.admin());
  }

  Storage storage() {
    return storage;
  }

  VmRecord vm(String name) {
    return inventory.vms.get(name).map(Stored::value)
        .orElseThrow(() -> new IllegalStateException("vm " + name + " is not on record"));
  }

  HostRecord host(String id) {
    return inventory.hosts.get(id).map(Stored::value)
        .orElseThrow(() -> new IllegalStateException("host " + id + " is not on record"));
  }

  /** {@code storageOf}: the volumes whose primaries the VM should be near (its disks, or the templates they clone). */
  Placement.Decision place(String vm, org.snipblock.adapter.model.VmSpec spec, org.snipblock.cluster.topology.Location near,
      Set<String> excluded, boolean mayPreempt, List<String> storageOf) {
    List<HostRecord> hosts = inventory.hosts.list().stream().map(Stored::value).toList();
    List<VmRecord> vms = inventory.vms.list().stream().map(Stored::value).toList();
    return Placement.place(vm, spec, hosts, vms, System.currentTimeMillis(), near, excluded, mayPreempt,
        storage.closeness(storageOf));
  }

  /** As {@link #place}, for a VM whose host was lost ({@link Placement#afterLoss}). */
  Placement.Decision placeAfterLoss(String vm, org.snipblock.adapter.model.VmSpec spec,
      org.snipblock.cluster.topology.Location near, Set<String> excluded, List<String> storageOf) {
    List<HostRecord> hosts = inventory.hosts.list().stream().map(Stored::value).toList();
    List<VmRecord> vms = inventory.vms.list().stream().map(Stored::value).toList();
    return Placement.afterLoss(vm, spec, hosts, vms, System.currentTimeMillis(), near, excluded,
        storage.closeness(storageOf));
  }

  /**
   * Before starting a stopped VM whose host is down: place it on another host (as after a host loss,
   * but stopping no one for it) and fence the down host from its volumes first, as a recovery does.
   */
  Step rehome(String name) {
    return Step.of("move " + name + " off its host if that host is down", task -> {
      VmRecord v = vm(name);
      HostRecord old = host(v.host());
      if (old.alive(System.currentTimeMillis())) {
        return;
      }
      Placement.Decision d = placeAfterLoss(name, v.spec().at(v.spec().site(), null),
          org.snipblock.cluster.topology.Location.parse(old.location()), Set.of(old.id()), v.volumes());
      if (!d.preempt().isEmpty()) {
        throw new IllegalStateException("host " + old.id() + " of " + name + " is down and no other host has room"
            + " without stopping " + String.join(", ", d.preempt()));
      }
      storage.access(v.volumes(), HostConfig.initiatorOf(d.host()), HostConfig.initiatorOf(old.id()));
      task.note("host " + old.id() + " is down: fenced it from the volumes of " + name + " and chose " + d.host()
          + ": " + d.why());
      inventory.vms.update(name, r -> r.withHost(d.host()));
    }, task -> { });
  }

  /** Asks the VM's host agent to start it and waits until QEMU runs (or failed, saying why). */
  Step start(String name) {
    return Step.of("start " + name, task -> {
      VmRecord vm = vm(name);
      if (!host(vm.host()).alive(System.currentTimeMillis())) {
        throw new IllegalStateException("host " + vm.host() + " is down");
      }
      inventory.vms.update(name, v -> v.withDesired(VmRecord.RUNNING).withState(VmRecord.STARTING, "asked to start", 0));
      task.await(name + " to run on " + vm.host(), START_TIMEOUT, () -> {
        VmRecord now = vm(name);
        if (VmRecord.FAILED.equals(now.state())) {
          throw new IllegalStateException(name + " did not start on " + now.host() + ": " + now.detail());
        }
        return VmRecord.RUNNING.equals(now.state());
      });
      task.note(name + " runs on " + vm(name).host() + " (" + vm(name).detail() + ")");
    }, task -> stopNow(task, name));
  }

  Step stop(String name) {
    return Step.of("stop " + name, task -> stopNow(task, name), task -> { });
  }

  void stopNow(TaskContext task, String name) {
    if (inventory.vms.get(name).isEmpty()) {
      return;
    }
    inventory.vms.update(name, v -> v.withDesired(VmRecord.STOPPED));
    // a start its host agent has not taken up yet is simply withdrawn; should the agent be launching
    // it right now, it sees the VM unwanted on its next round and quits it
    inventory.vms.update(name, v -> VmRecord.STARTING.equals(v.state())
        ? v.withState(VmRecord.STOPPED, "start withdrawn", 0) : v);
    VmRecord vm = vm(name);
    boolean hostAlive = vm.host() != null && inventory.hosts.get(vm.host())
        .map(h -> h.value().alive(System.currentTimeMillis())).orElse(false);
    if (!hostAlive) {
      inventory.vms.update(name, v -> v.withState(VmRecord.STOPPED, "its host is down", 0));
      return;
    }
    task.await(name + " to stop", STOP_TIMEOUT, () -> {
      return !vm(name).isUp();
    });
  }

  /** Lets the VM's host in, and shuts {@code revoke} (a fenced host's initiator) out, at the storage. */
  Step allow(String name, String revokeHost) {
    return Step.of(revokeHost == null ? "allow the host of " + name + " at the storage"
        : "fence " + revokeHost + " from the volumes of " + name, task -> {
          VmRecord vm = vm(name);
          String revoke = revokeHost == null ? null : HostConfig.initiatorOf(revokeHost);
          storage.access(vm.volumes(), HostConfig.initiatorOf(vm.host()), revoke);
          if (revoke != null) {
            task.note("revoked " + revoke + " on " + String.join(", ", vm.volumes())
                + " (every door closed its sessions) before starting elsewhere");
          }
        }, task -> { });
  }
}
