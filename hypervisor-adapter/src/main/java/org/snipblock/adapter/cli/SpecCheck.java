package org.snipblock.adapter.cli;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.snipblock.adapter.Inventory;
import org.snipblock.adapter.model.DiskSpec;
import org.snipblock.adapter.model.HostRecord;
import org.snipblock.adapter.model.TemplateRecord;
import org.snipblock.adapter.model.VmRecord;
import org.snipblock.adapter.model.VmSpec;
import org.snipblock.adapter.placement.Placement;
import org.snipblock.adapter.placement.TemplateMatch;
import org.snipblock.adapter.records.Stored;
import org.snipblock.adapter.seed.GuestIdentity;
import org.snipblock.node.OperatorError;
import org.snipblock.node.config.ByteSize;

/**
 * Checks a {@code vm create} before anything is recorded, so that a bad spec gets one line saying
 * what is wrong and changes nothing: the name, the templates, the disk sizes, and whether any host
 * could take it now (the same placement the task will run).
 */
final class SpecCheck {
  private SpecCheck() {}

  /** Checks the spec and returns it as it will be recorded: disks asked by OS name their best template. */
  static VmSpec check(Inventory inv, String name, VmSpec asked) {
    VmSpec spec = withTemplatesChosen(inv, asked);
    try {
      new GuestIdentity(name, name, spec.sshKeys(), spec.userData());
    } catch (OperatorError e) {
      throw new OperatorError("bad VM name or identity: " + e.getMessage());
    }
    if (spec.cpus() < 1) {
      throw new OperatorError("bad --cpus " + spec.cpus() + ": at least 1");
    }
    if (spec.disks().isEmpty()) {
      throw new OperatorError("a VM needs at least one --disk (the first is the system disk)");
    }
    if (inv.vms.get(name).isPresent()) {
      throw new OperatorError("vm " + name + " exists");
    }
    for (int i = 0; i < spec.disks().size(); i++) {
      DiskSpec d = spec.disks().get(i);
      if (d.template() == null) {
        continue;
      }
      Optional<TemplateRecord> t = inv.templates.get(d.template()).map(Stored::value);
      if (t.isEmpty()) {
        List<String> names = inv.templates.list().stream().map(Stored::key).sorted().toList();
        throw new OperatorError("no template named " + d.template()
            + (names.isEmpty() ? " (the library is empty)" : " (the library has: " + String.join(", ", names) + ")"));
      }
      if (d.sizeBytes() < t.get().minDiskBytes()) {
        throw new OperatorError("disk " + i + " (" + ByteSize.format(d.sizeBytes()) + ") is smaller than template "
            + d.template() + " needs (" + ByteSize.format(t.get().minDiskBytes()) + ")");
      }
    }
    List<HostRecord> hosts = inv.hosts.list().stream().map(Stored::value).toList();
    if (hosts.isEmpty()) {
      throw new OperatorError("no hosts on record: start a host agent (host serve) first");
    }
    HostRecord largest = hosts.stream().max(Comparator.comparingLong(HostRecord::memoryBytes)).orElseThrow();
    if (spec.memoryBytes() > largest.memoryBytes()) {
      throw new OperatorError("memory " + ByteSize.format(spec.memoryBytes()) + " is more than any host has (the largest, "
          + largest.id() + ", has " + ByteSize.format(largest.memoryBytes()) + ")");
    }
    List<VmRecord> vms = inv.vms.list().stream().map(Stored::value).toList();
    Placement.place(name, spec, hosts, vms, System.currentTimeMillis(), null, Set.of(), false);
    return spec;
  }

  private static VmSpec withTemplatesChosen(Inventory inv, VmSpec spec) {
    if (spec.disks().stream().allMatch(d -> d.os() == null)) {
      return spec;
    }
    List<TemplateRecord> library = inv.templates.list().stream().map(Stored::value).toList();
    return spec.withDisks(spec.disks().stream().map(d -> d.os() == null ? d
        : new DiskSpec(d.sizeBytes(), TemplateMatch.best(library, d.os(), d.sizeBytes()).name())).toList());
  }
}
