package org.snipblock.iscsi.session;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snipblock.iscsi.pdu.Opcode;
import org.snipblock.iscsi.pdu.Pdu;
import org.snipblock.iscsi.scsi.LogicalUnit.TaskManagement;

/**
 * Task Management Function Requests (RFC 7143 section 11.5): ABORT TASK, the task set and reset
 * functions, and their reach beyond this session. The response waits until every affected task
 * has stopped, so the initiator may reuse their tags the moment it reads it.
 */
final class TaskManagementFunctions {
  private static final Logger log = LoggerFactory.getLogger(TaskManagementFunctions.class);

  // Function codes and responses, RFC 7143 sections 11.5.1 and 11.6.1.
  private static final int ABORT_TASK = 1;
  private static final int ABORT_TASK_SET = 2;
  private static final int CLEAR_ACA = 3;
  private static final int CLEAR_TASK_SET = 4;
  private static final int LUN_RESET = 5;
  private static final int TARGET_WARM_RESET = 6;
  private static final int TARGET_COLD_RESET = 7;
  private static final int TASK_REASSIGN = 8;
  private static final int COMPLETE = 0;
  private static final int TASK_DOES_NOT_EXIST = 1;
  private static final int LUN_DOES_NOT_EXIST = 2;
  private static final int REASSIGN_NOT_SUPPORTED = 4;
  private static final int NOT_SUPPORTED = 5;

  private final Connection connection;
  private final Session session;
  private final SessionRegistry sessions;
  private final ScsiTaskSet tasks;

  TaskManagementFunctions(Connection connection, SessionRegistry sessions, ScsiTaskSet tasks) {
    this.connection = connection;
    this.session = connection.session();
    this.sessions = sessions;
    this.tasks = tasks;
  }

  void request(Pdu pdu) {
    if (session.discovery()) {
      connection.reject(Connection.REJECT_NOT_SUPPORTED, pdu.bhs());
      return;
    }
    int function = pdu.flags() & 0x7f;
    if (function == ABORT_TASK) {
      abortTask(pdu);
      return;
    }
    TaskManagement lunFunction = switch (function) {
      case ABORT_TASK_SET -> TaskManagement.ABORT_TASK_SET;
      case CLEAR_ACA -> TaskManagement.CLEAR_ACA;
      case CLEAR_TASK_SET -> TaskManagement.CLEAR_TASK_SET;
      case LUN_RESET -> TaskManagement.LUN_RESET;
      case TARGET_WARM_RESET -> TaskManagement.TARGET_WARM_RESET;
      case TARGET_COLD_RESET -> TaskManagement.TARGET_COLD_RESET;
      default -> null;
    };
    if (lunFunction == null) {
      // TASK REASSIGN needs ErrorRecoveryLevel 2; anything else is unknown.
      respond(pdu, function == TASK_REASSIGN ? REASSIGN_NOT_SUPPORTED : NOT_SUPPORTED);
      return;
    }
    boolean lunScoped = function >= ABORT_TASK_SET && function <= LUN_RESET;
    if (lunScoped && pdu.lun() != 0) {
      respond(pdu, LUN_DOES_NOT_EXIST);
      return;
    }
    log.info("session {}: task management {}", session.tsih(), lunFunction);
    List<CompletableFuture<Void>> affected = new ArrayList<>();
    if (function != CLEAR_ACA) {
      affected.add(tasks.abortAll());
    }
    // ABORT TASK SET is this nexus's business; CLEAR TASK SET, LUN RESET and the target resets
    // reach the tasks of every nexus of the logical unit (SAM-5 7.4, 7.6, 7.8), which here is
    // also every session of the target node.
    boolean everyNexus = function >= CLEAR_TASK_SET;
    List<Session> others = everyNexus ? otherSessionsOfThisUnit() : List.of();
    others.forEach(other -> affected.add(other.abortAllTasks()));
    CompletableFuture.allOf(affected.toArray(CompletableFuture[]::new)).whenComplete((v, e) ->
        connection.onLoop(() -> session.logicalUnit().taskManagement(lunFunction, session.nexus())
            .whenComplete((shared, failure) -> connection.onLoop(() -> {
              respond(pdu, COMPLETE);
              if (function == TARGET_COLD_RESET) {
                // RFC 7143 11.5.1: after a TARGET COLD RESET the target drops all connections.
                others.forEach(other -> other.end("TARGET COLD RESET from session " + session.tsih()));
                connection.endAfterFlush("TARGET COLD RESET");
              }
            }))));
  }

  private void abortTask(Pdu pdu) {
    int referenced = pdu.intAt(20);
    ScsiTask task = tasks.get(referenced);
    if (task == null) {
      // RFC 7143 11.5.1: a referenced command still ahead of ExpCmdSN counts as received
      // (function complete); one already answered or never sent does not exist.
      CommandWindow window = connection.window();
      boolean ahead = SerialNumbers.within(pdu.intAt(32), window.expCmdSn(), window.maxCmdSn());
      respond(pdu, ahead ? COMPLETE : TASK_DOES_NOT_EXIST);
      return;
    }
    log.info("session {}: ABORT TASK 0x{}", session.tsih(), Integer.toHexString(referenced));
    tasks.abort(task);
    task.finished.whenComplete((v, e) -> connection.onLoop(() -> respond(pdu, COMPLETE)));
  }

  private List<Session> otherSessionsOfThisUnit() {
    List<Session> others = new ArrayList<>();
    for (Session s : sessions.all()) {
      if (s != session && s.logicalUnit() == session.logicalUnit()) {
        others.add(s);
      }
    }
    return others;
  }

  private void respond(Pdu request, int response) {
    if (connection.closing()) {
      return;
    }
    Pdu pdu = Pdu.of(Opcode.TASK_MGMT_RESPONSE).flags(Connection.F_BIT)
        .initiatorTaskTag(request.initiatorTaskTag());
    pdu.byteAt(2, response).intAt(24, connection.takeStatSn());
    connection.send(pdu);
    connection.flush();
  }
}
