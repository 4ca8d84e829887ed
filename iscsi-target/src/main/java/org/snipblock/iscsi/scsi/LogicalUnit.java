package org.snipblock.iscsi.scsi;

import java.util.concurrent.CompletableFuture;

/**
 * The SCSI side of the target: executes commands against one LUN. The iSCSI transport knows
 * nothing of CDBs beyond what it needs to move data (direction and length come from the PDU);
 * this side knows nothing of PDUs.
 */
public interface LogicalUnit extends AutoCloseable {

  /** Executes a command; never throws, every failure becomes a CHECK CONDITION response. */
  CompletableFuture<ScsiResponse> execute(ScsiCommand command);

  /**
   * Bytes of Data-Out the CDB calls for (the SCSI Data-Out transfer length), so the transport can
   * report residuals for writes; 0 for commands without Data-Out, -1 if the CDB is unknown or
   * malformed (the command itself will then fail with the proper sense).
   */
  default long dataOutLength(byte[] cdb) {
    return -1;
  }

  /**
   * The transport has aborted this executing command (ABORT TASK or a task-set function): its
   * response will be dropped and the task management answered once the command's future
   * completes. A command whose work goes on regardless by design (SANITIZE: SBC-4 4.11) may let
   * go at once; any other must complete only once it no longer touches the medium.
   */
  default void aborted(ScsiCommand command) {}

  /**
   * Task management that the LU must see: the transport has already stopped the affected tasks.
   * Completes once every path of the LU (every node's, in a cluster) knows of it, when the
   * transport answers the function.
   */
  CompletableFuture<Void> taskManagement(TaskManagement function, ItNexus nexus);

  /**
   * The nexus is gone (logout or connection loss without reinstatement). Completes once every path
   * of the LU knows (its SPC-2 reservation released everywhere): a logout answers then.
   */
  CompletableFuture<Void> nexusLost(ItNexus nexus);

  @Override
  void close();

  enum TaskManagement { ABORT_TASK_SET, CLEAR_TASK_SET, LUN_RESET, TARGET_WARM_RESET, TARGET_COLD_RESET, I_T_NEXUS_RESET, CLEAR_ACA }
}
