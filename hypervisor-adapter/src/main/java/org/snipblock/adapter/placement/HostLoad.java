package org.snipblock.adapter.placement;

import java.util.List;
import org.snipblock.adapter.model.HostRecord;
import org.snipblock.adapter.model.VmRecord;

/** A host with what its VMs hold of it: every VM placed there counts unless it is stopped for good. */
public record HostLoad(HostRecord host, List<VmRecord> vms, int usedCpus, long usedMemory) {
  public static HostLoad of(HostRecord host, List<VmRecord> all) {
    List<VmRecord> here = all.stream().filter(v -> host.id().equals(v.host()) && holds(v)).toList();
    return new HostLoad(host, here, here.stream().mapToInt(v -> v.spec().cpus()).sum(),
        here.stream().mapToLong(v -> v.spec().memoryBytes()).sum());
  }

  /** A VM holds its host's resources from its placement until it is stopped and meant to stay so. */
  public static boolean holds(VmRecord v) {
    boolean parked = VmRecord.STOPPED.equals(v.desired())
        && (VmRecord.STOPPED.equals(v.state()) || VmRecord.FAILED.equals(v.state()));
    return !parked;
  }

  public int freeCpus() {
    return host.cpus() - usedCpus;
  }

  public long freeMemory() {
    return host.memoryBytes() - usedMemory;
  }
}
