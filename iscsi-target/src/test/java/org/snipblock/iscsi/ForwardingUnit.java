package org.snipblock.iscsi;

import java.util.concurrent.CompletableFuture;
import org.snipblock.iscsi.scsi.ItNexus;
import org.snipblock.iscsi.scsi.LogicalUnit;
import org.snipblock.iscsi.scsi.ScsiCommand;
import org.snipblock.iscsi.scsi.ScsiResponse;

/** A real logical unit with hooks: tests override a method to observe when the transport calls it. */
class ForwardingUnit implements LogicalUnit {
  private final LogicalUnit unit;

  ForwardingUnit(LogicalUnit unit) {
    this.unit = unit;
  }

  @Override
  public CompletableFuture<ScsiResponse> execute(ScsiCommand command) {
    return unit.execute(command);
  }

  @Override
  public long dataOutLength(byte[] cdb) {
    return unit.dataOutLength(cdb);
  }

  @Override
  public java.util.concurrent.CompletableFuture<Void> taskManagement(TaskManagement function, ItNexus nexus) {
    return unit.taskManagement(function, nexus);
  }

  @Override
  public java.util.concurrent.CompletableFuture<Void> nexusLost(ItNexus nexus) {
    return unit.nexusLost(nexus);
  }

  @Override
  public void close() {
    unit.close();
  }
}
