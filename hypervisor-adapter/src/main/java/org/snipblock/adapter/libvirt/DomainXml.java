package org.snipblock.adapter.libvirt;

import java.util.List;
import org.snipblock.adapter.model.VmRecord;
import org.snipblock.adapter.qemu.QemuCommand;

/**
 * A VM as a libvirt domain, for operators who run libvirt instead of the host agent: the same QEMU
 * the agent would start (TCG or KVM, direct kernel boot or firmware), each volume a network disk on
 * snipblock's iSCSI door with the host's initiator name, the seed disk a read-only file disk.
 */
public final class DomainXml {
  private DomainXml() {}

  /**
   * @param portalHost and {@code portalPort}: the iSCSI door the disks use
   * @param seedImage where the host keeps the VM's NoCloud seed disk (null: none)
   */
  public static String of(VmRecord vm, QemuCommand.Boot boot, String accel, String emulator, String portalHost,
      int portalPort, String initiator, String seedImage) {
    StringBuilder x = new StringBuilder();
    x.append("<domain type='").append(accel.equals("kvm") ? "kvm" : "qemu").append("'>\n");
    x.append("  <name>").append(esc(vm.name())).append("</name>\n");
    x.append("  <memory unit='KiB'>").append(vm.spec().memoryBytes() >> 10).append("</memory>\n");
    x.append("  <vcpu>").append(vm.spec().cpus()).append("</vcpu>\n");
    x.append("  <os>\n    <type arch='x86_64' machine='pc'>hvm</type>\n");
    if (boot != null) {
      x.append("    <kernel>").append(esc(boot.kernel())).append("</kernel>\n");
      if (boot.initrd() != null) {
        x.append("    <initrd>").append(esc(boot.initrd())).append("</initrd>\n");
      }
      if (boot.append() != null) {
        x.append("    <cmdline>").append(esc(boot.append())).append("</cmdline>\n");
      }
    } else {
      x.append("    <boot dev='hd'/>\n");
    }
    x.append("  </os>\n  <on_poweroff>destroy</on_poweroff>\n  <devices>\n");
    x.append("    <emulator>").append(esc(emulator)).append("</emulator>\n");
    List<String> volumes = vm.volumes();
    for (int i = 0; i < volumes.size(); i++) {
      x.append("    <disk type='network' device='disk'>\n")
          .append("      <driver name='qemu' type='raw' cache='none'/>\n")
          .append("      <source protocol='iscsi' name='iqn.2026-11.org.snipblock:").append(esc(volumes.get(i)))
          .append("/0'>\n")
          .append("        <host name='").append(esc(portalHost)).append("' port='").append(portalPort).append("'/>\n")
          .append("        <initiator>\n          <iqn name='").append(esc(initiator)).append("'/>\n        </initiator>\n")
          .append("      </source>\n")
          .append("      <target dev='vd").append((char) ('a' + i)).append("' bus='virtio'/>\n")
          .append("    </disk>\n");
    }
    if (seedImage != null) {
      x.append("    <disk type='file' device='disk'>\n      <driver name='qemu' type='raw'/>\n")
          .append("      <source file='").append(esc(seedImage)).append("'/>\n")
          .append("      <target dev='vd").append((char) ('a' + volumes.size())).append("' bus='virtio'/>\n")
          .append("      <readonly/>\n    </disk>\n");
    }
    x.append("    <serial type='pty'>\n      <target port='0'/>\n    </serial>\n")
        .append("    <console type='pty'>\n      <target type='serial' port='0'/>\n    </console>\n")
        .append("  </devices>\n</domain>\n");
    return x.toString();
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&apos;").replace("\"", "&quot;");
  }
}
