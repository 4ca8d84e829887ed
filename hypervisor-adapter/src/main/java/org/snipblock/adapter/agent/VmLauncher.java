package org.snipblock.adapter.agent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.snipblock.adapter.Inventory;
import org.snipblock.adapter.model.TemplateRecord;
import org.snipblock.adapter.model.VmRecord;
import org.snipblock.adapter.model.VmSpec;
import org.snipblock.adapter.qemu.QemuCommand;
import org.snipblock.adapter.seed.GuestIdentity;
import org.snipblock.adapter.seed.SeedDisk;
import org.snipblock.node.admin.v1.NodeStatusResponse;

/**
 * Turns a VM record into the QEMU command line of this host: its volumes through the iSCSI door of
 * the first storage node that answers (list the nearest first in {@code --admin}), the host's
 * initiator name, the boot named by the spec or its template, and a fresh NoCloud seed disk.
 */
public final class VmLauncher {
  private final HostConfig host;
  private final Inventory inventory;

  VmLauncher(HostConfig host, Inventory inventory) {
    this.host = host;
    this.inventory = inventory;
  }

  QemuCommand command(VmRecord vm, String incoming) {
    Path dir = host.vmDir(vm.name());
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + dir, e);
    }
    VmSpec spec = vm.spec();
    Path seed = dir.resolve("seed.img");
    SeedDisk.write(new GuestIdentity(vm.name(), vm.name(), spec.sshKeys(), spec.userData()), seed);
    NodeStatusResponse door = inventory.admin().call(c -> c.status());
    String portal = door.getListen() + ":" + door.getIscsiPort();
    List<String> disks = vm.volumes().stream()
        .map(v -> "iscsi://" + portal + "/iqn.2026-11.org.snipblock:" + v + "/0").toList();
    return new QemuCommand(host.qemu(), vm.name(), spec.cpus(), spec.memoryBytes() >> 20, host.accel(),
        boot(spec, inventory),
        disks, seed, host.initiator(), dir.resolve("qmp.sock"), dir.resolve("console.log"), incoming,
        host.extraQemuArgs());
  }

  /** The direct boot the spec names, else its template's, else null (the firmware boots the first disk). */
  public static QemuCommand.Boot boot(VmSpec spec, Inventory inventory) {
    if (spec.kernel() != null) {
      return new QemuCommand.Boot(spec.kernel(), spec.initrd(), spec.append());
    }
    String template = spec.disks().isEmpty() ? null : spec.disks().get(0).template();
    Optional<TemplateRecord> t = template == null ? Optional.empty()
        : inventory.templates.get(template).map(s -> s.value());
    return t.filter(r -> r.kernel() != null).map(r -> new QemuCommand.Boot(r.kernel(), r.initrd(), r.append()))
        .orElse(null);
  }
}
