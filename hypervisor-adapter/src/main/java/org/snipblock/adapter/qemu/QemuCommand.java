package org.snipblock.adapter.qemu;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of one VM's QEMU. Disks are virtio drives on network URLs (snipblock's iSCSI or NBD
 * doors); the iSCSI initiator name is the host's identity at the storage, so that the storage can
 * shut a fenced host out. The serial console goes to a file (appended, so it survives restarts), QMP
 * to a unix socket, and nothing else: no default devices, no display.
 *
 * @param boot kernel, initramfs and command line; null boots the first disk through the firmware
 * @param seedImage a NoCloud seed disk, attached read-only after the disks; null for none
 * @param incoming {@code -incoming} URI when this QEMU waits for a live migration; null otherwise
 * @param extraArgs appended as they are (operators' extras; tests inject a bad option with it)
 */
public record QemuCommand(
    String binary, String name, int cpus, long memoryMiB, Accelerator accel, Boot boot, List<String> disks,
    Path seedImage, String initiatorName, Path qmpSocket, Path consoleLog, String incoming, List<String> extraArgs) {

  /** Direct kernel boot, as QEMU and libvirt allow. */
  public record Boot(String kernel, String initrd, String append) {}

  public QemuCommand {
    disks = List.copyOf(disks);
    extraArgs = List.copyOf(extraArgs);
  }

  public QemuCommand withIncoming(String uri) {
    return new QemuCommand(binary, name, cpus, memoryMiB, accel, boot, disks, seedImage, initiatorName, qmpSocket,
        consoleLog, uri, extraArgs);
  }

  public List<String> argv() {
    List<String> a = new ArrayList<>(List.of(binary, "-name", name, "-accel", accel.qemuName(),
        "-smp", String.valueOf(cpus), "-m", memoryMiB + "M", "-nodefaults", "-display", "none",
        "-chardev", "file,id=console,append=on,path=" + escape(consoleLog.toString()), "-serial", "chardev:console",
        "-qmp", "unix:" + escape(qmpSocket.toString()) + ",server=on,wait=off"));
    if (initiatorName != null) {
      a.addAll(List.of("-iscsi", "initiator-name=" + initiatorName));
    }
    if (boot != null) {
      a.addAll(List.of("-kernel", boot.kernel()));
      if (boot.initrd() != null) {
        a.addAll(List.of("-initrd", boot.initrd()));
      }
      if (boot.append() != null) {
        a.addAll(List.of("-append", boot.append()));
      }
    }
    for (String disk : disks) {
      // cache=none: every write reaches snipblock at once, so a migration or a restart elsewhere
      // never leaves writes behind in this QEMU's page cache
      a.addAll(List.of("-drive", "file=" + escape(disk) + ",format=raw,if=virtio,cache=none"));
    }
    if (seedImage != null) {
      a.addAll(List.of("-drive", "file=" + escape(seedImage.toString()) + ",format=raw,if=virtio,readonly=on"));
    }
    if (incoming != null) {
      a.addAll(List.of("-incoming", incoming));
    }
    a.addAll(extraArgs);
    return a;
  }

  /** QEMU's option syntax: a comma inside a value is written twice. */
  private static String escape(String value) {
    return value.replace(",", ",,");
  }
}
