package org.snipblock.adapter.agent;

import java.util.Optional;
import org.snipblock.adapter.model.VmRecord;

/**
 * What QEMU's STOP and RESUME events mean for a VM's recorded state: a running guest paused, a paused
 * one running again. Only for a VM this host runs and that is not migrating: a live migration stops
 * the source and resumes the target as its own business, and the migration steps record where the VM
 * runs.
 */
final class RunStates {
  static final String STOP = "STOP";
  static final String RESUME = "RESUME";

  private RunStates() {}

  /** The state to record after {@code event}, or empty to leave the record as it is. */
  static Optional<String> after(String event, VmRecord vm, String hostId) {
    if (!hostId.equals(vm.host()) || vm.migration() != null) {
      return Optional.empty();
    }
    if (STOP.equals(event) && VmRecord.RUNNING.equals(vm.state())) {
      return Optional.of(VmRecord.PAUSED);
    }
    if (RESUME.equals(event) && VmRecord.PAUSED.equals(vm.state())) {
      return Optional.of(VmRecord.RUNNING);
    }
    return Optional.empty();
  }
}
