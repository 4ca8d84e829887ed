package org.snipblock.adapter.agent;

import java.nio.file.Path;
import java.util.List;
import org.snipblock.adapter.qemu.Accelerator;

/**
 * One host agent's settings ({@code host serve}).
 *
 * @param initiator the iSCSI initiator name every QEMU of this host uses: its identity at the storage
 * @param extraQemuArgs appended to every QEMU command line (operators' extras; tests inject faults)
 * @param migrationAddress where this host's QEMUs wait for incoming live migrations
 * @param consoleAddress HOST:PORT the agent serves its VMs' console logs on (port 0: any free one)
 */
public record HostConfig(String id, String location, int cpus, long memoryBytes, List<String> admin, String qemu,
    Path data, Accelerator accel, String initiator, List<String> extraQemuArgs, String migrationAddress,
    String consoleAddress) {
  public static String initiatorOf(String hostId) {
    return "iqn.2026-11.org.snipblock.host:" + hostId.toLowerCase(java.util.Locale.ROOT);
  }

  public Path vmDir(String vm) {
    return data.resolve("vms").resolve(vm);
  }
}
