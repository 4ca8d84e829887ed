package org.snipblock.iscsi.session;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snipblock.block.VolumeMdc;
import org.snipblock.iscsi.IscsiTargetConfig;
import org.snipblock.iscsi.pdu.Pdu;
import org.snipblock.iscsi.scsi.DataInMemory;
import org.snipblock.iscsi.scsi.ScsiCommand;
import org.snipblock.iscsi.scsi.ScsiResponse;

/**
 * The SCSI tasks of one connection (its session's task set, since a session has one
 * connection): admits SCSI Command PDUs, lets {@link DataOutCollector} gather a write's data,
 * starts each task in SAM order ({@link TaskOrdering}) on the logical unit and hands the result
 * to {@link ResponseSender}. Event loop only, apart from {@link #abortAllForAnotherSession}.
 */
final class ScsiTaskSet {
  private static final Logger log = LoggerFactory.getLogger(ScsiTaskSet.class);
  private static final int READ_BIT = 0x40;
  private static final int WRITE_BIT = 0x20;
  private static final int INQUIRY = 0x12;
  private static final int REPORT_LUNS = 0xa0;

  /** Immediate commands allowed beyond the CmdSN window (TMF, pings, the odd urgent SCSI). */
  private static final int IMMEDIATE_ALLOWANCE = 16;

  private final Connection connection;
  private final Session session;
  private final int maxTasks;
  private final Map<Integer, ScsiTask> tasks = new HashMap<>();
  private final TaskOrdering ordering = new TaskOrdering(this::execute);
  private final DataOutCollector dataOut;
  private final ResponseSender responses;

  ScsiTaskSet(Connection connection, IscsiTargetConfig config) {
    this.connection = connection;
    this.session = connection.session();
    this.maxTasks = config.commandWindow() + IMMEDIATE_ALLOWANCE;
    this.dataOut = new DataOutCollector(connection, this, config.maxTransferLength());
    this.responses = new ResponseSender(connection);
  }

  DataOutCollector dataOut() {
    return dataOut;
  }

  ScsiTask get(int initiatorTaskTag) {
    return tasks.get(initiatorTaskTag);
  }

  boolean isEmpty() {
    return tasks.isEmpty();
  }

  /** Completes once every task in flight now has finished (aborted or answered). */
  CompletableFuture<Void> allFinished() {
    List<CompletableFuture<Void>> running = new ArrayList<>();
    tasks.values().forEach(t -> running.add(t.finished));
    return CompletableFuture.allOf(running.toArray(CompletableFuture[]::new));
  }

  /** A SCSI Command PDU, in CmdSN order. */
  void command(Pdu pdu) {
    if (session.discovery()) {
      connection.reject(Connection.REJECT_NOT_SUPPORTED, pdu.bhs());
      return;
    }
    int itt = pdu.initiatorTaskTag();
    if (tasks.containsKey(itt)) {
      connection.reject(Connection.REJECT_INVALID_FIELD, pdu.bhs());
      return;
    }
    int flags = pdu.flags();
    boolean read = (flags & READ_BIT) != 0;
    boolean write = (flags & WRITE_BIT) != 0;
    int edtl = pdu.intAt(20);
    ScsiTask task = new ScsiTask(itt, pdu.lun(), cdb(pdu), edtl, read, write, flags & 7,
        !pdu.immediate());
    tasks.put(itt, task);
    if (task.counted) {
      connection.window().taskStarted();
    }
    if (task.lun != 0 && task.cdb[0] != INQUIRY && (task.cdb[0] & 0xff) != REPORT_LUNS) {
      fail(task, TransportSense.logicalUnitNotSupported());
      return;
    }
    if (edtl < 0 || (read && write)) {
      // Bidirectional commands (XDWRITEREAD) are not supported by any logical unit here.
      fail(task, TransportSense.invalidFieldInCdb());
      return;
    }
    if (tasks.size() > maxTasks || (write && dataOut.full(edtl))) {
      // Bounded memory per connection: immediate commands bypass the CmdSN window and write
      // data is buffered whole, so both are capped; initiators retry TASK SET FULL.
      complete(task, ScsiResponse.status(ScsiResponse.TASK_SET_FULL), null);
      return;
    }
    if (write) {
      dataOut.start(task, pdu);
    } else {
      ready(task);
    }
  }

  /** The CDB: 16 bytes in the BHS plus any Extended CDB AHS (RFC 7143 section 11.3.5). */
  private static byte[] cdb(Pdu pdu) {
    byte[] ahs = pdu.ahs();
    int extra = 0;
    if (ahs.length >= 4 && ahs[2] == 1) {
      int ahsLength = ((ahs[0] & 0xff) << 8) | (ahs[1] & 0xff);
      extra = Math.max(0, Math.min(ahsLength - 1, ahs.length - 4));
    }
    byte[] cdb = new byte[16 + extra];
    System.arraycopy(pdu.bhs(), 32, cdb, 0, 16);
    if (extra > 0) {
      System.arraycopy(ahs, 4, cdb, 16, extra);
    }
    return cdb;
  }

  /** All of the task's data is here: it may run once SAM ordering lets it. */
  void ready(ScsiTask task) {
    ordering.submit(task);
  }

  /** Ends a task with CHECK CONDITION before it reaches the logical unit. */
  void fail(ScsiTask task, byte[] sense) {
    complete(task, ScsiResponse.checkCondition(sense), null);
  }

  private void execute(ScsiTask task) {
    task.executing = true;
    ByteBuffer data = task.write ? task.dataOut.clear().asReadOnlyBuffer() : ByteBuffer.allocate(0);
    DataInMemory dataIn = task.read
        ? length -> task.lendDataIn(connection.alloc(), length) : DataInMemory.HEAP;
    ScsiCommand command = new ScsiCommand(task.cdb, data, task.read ? task.expectedLength : 0,
        session.nexus(), task.itt & 0xffffffffL, dataIn);
    task.command = command;
    CompletableFuture<ScsiResponse> result;
    try {
      result = session.logicalUnit().execute(command);
    } catch (RuntimeException e) {
      result = CompletableFuture.failedFuture(e);
    }
    result.whenComplete((response, failure) -> {
      if (connection.inLoop()) {
        // Completed on this loop (a small write the store ran in place, maybe for another
        // connection's work): answered without a hop through the loop's task queue.
        try (VolumeMdc v = connection.volumeMdc()) {
          finished(task, response, failure);
        } catch (RuntimeException bug) {
          // Nobody observes this callback's outcome: a bug here would otherwise leave no trace.
          log.error("session {}: answering task 0x{} failed", session.tsih(),
              Integer.toHexString(task.itt), bug);
        }
        return;
      }
      try {
        connection.onLoop(() -> finished(task, response, failure));
      } catch (RejectedExecutionException e) {
        // The loop is gone (the target stopped): nothing will answer, but the memory goes back.
        task.releaseMemory();
      }
    });
  }

  private void finished(ScsiTask task, ScsiResponse response, Throwable failure) {
    ordering.finished(task);
    complete(task, response, failure);
  }

  /**
   * A task is done: free its slot, answer unless it was aborted, and give back the memory it was
   * lent (the Data-In PDUs queued hold their own references to theirs).
   */
  private void complete(ScsiTask task, ScsiResponse response, Throwable failure) {
    if (tasks.remove(task.itt, task) && task.counted) {
      connection.window().taskEnded();
    }
    dataOut.release(task);
    task.finished.complete(null);
    try {
      if (task.aborted || connection.closing()) {
        return;
      }
      responses.respond(task, response, failure);
      connection.flush();
    } finally {
      task.releaseMemory();
    }
  }

  /**
   * Stops a task: no response will be sent for it; its slot frees once it has finished (an
   * executing task once the logical unit lets go of it).
   */
  void abort(ScsiTask task) {
    task.aborted = true;
    if (!task.executing) {
      if (task.queued) {
        ordering.remove(task);
      }
      complete(task, null, null);
    } else if (task.command != null) {
      session.logicalUnit().aborted(task.command);
    }
  }

  /** Aborts every task of this connection; completes (on this loop) once all have stopped. */
  CompletableFuture<Void> abortAll() {
    List<CompletableFuture<Void>> finished = new ArrayList<>();
    for (ScsiTask task : new ArrayList<>(tasks.values())) {
      abort(task);
      finished.add(task.finished);
    }
    return CompletableFuture.allOf(finished.toArray(CompletableFuture[]::new));
  }

  /** {@link #abortAll} asked from another session's thread. */
  CompletableFuture<Void> abortAllForAnotherSession() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    connection.onLoop(() -> {
      if (!tasks.isEmpty()) {
        log.info("session {}: tasks aborted by task management of another session",
            session.tsih());
      }
      abortAll().whenComplete((v, e) -> done.complete(null));
    });
    return done;
  }
}
