package org.snipblock.adapter.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.snipblock.adapter.model.DiskSpec;
import org.snipblock.adapter.model.VmRecord;
import org.snipblock.adapter.model.VmSpec;

class RunStatesTest {
  private static VmRecord vm(String host, String state, VmRecord.Migration migration) {
    VmSpec spec = new VmSpec(1, 256L << 20, List.of(DiskSpec.parse("16M")), null, null, 0, null, false, null, null,
        null, null, null, false);
    return new VmRecord("db", spec, host, List.of("db-disk0"), VmRecord.RUNNING, state, "QEMU pid 7", 7, null, 1,
        migration);
  }

  @Test
  void stopPausesARunningVmAndResumeRunsItAgain() {
    assertThat(RunStates.after("STOP", vm("h1", VmRecord.RUNNING, null), "h1")).contains(VmRecord.PAUSED);
    assertThat(RunStates.after("RESUME", vm("h1", VmRecord.PAUSED, null), "h1")).contains(VmRecord.RUNNING);
  }

  @Test
  void otherEventsAndStatesLeaveTheRecordAlone() {
    assertThat(RunStates.after("SHUTDOWN", vm("h1", VmRecord.RUNNING, null), "h1")).isEmpty();
    assertThat(RunStates.after("RESUME", vm("h1", VmRecord.RUNNING, null), "h1")).isEmpty();
    assertThat(RunStates.after("STOP", vm("h1", VmRecord.STOPPED, null), "h1")).isEmpty();
    assertThat(RunStates.after("STOP", vm("h1", VmRecord.STARTING, null), "h1")).isEmpty();
  }

  @Test
  void aMigrationsOwnStopAndAnotherHostsQemuAreNotReported() {
    VmRecord.Migration going = new VmRecord.Migration("h2", "tcp:127.0.0.1:4444", VmRecord.Migration.LISTENING);
    assertThat(RunStates.after("STOP", vm("h1", VmRecord.RUNNING, going), "h1")).isEmpty();
    // the source's QEMU, still winding down after the VM moved to h2
    assertThat(RunStates.after("STOP", vm("h2", VmRecord.RUNNING, null), "h1")).isEmpty();
  }
}
