package org.snipblock.iscsi.session;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snipblock.iscsi.pdu.Opcode;
import org.snipblock.iscsi.pdu.Pdu;

/**
 * Gathers a write's data into one buffer (RFC 7143 sections 4.2.5 and 11.7-11.8): immediate
 * data in the command, the unsolicited burst up to FirstBurstLength, then R2Ts of at most
 * MaxBurstLength, MaxOutstandingR2T at a time. Each sequence must arrive in order
 * ({@link DataOutSequence}); once the last byte is in, the task is ready to run.
 */
final class DataOutCollector {
  private static final Logger log = LoggerFactory.getLogger(DataOutCollector.class);
  private static final int F_BIT = Connection.F_BIT;

  private final Connection connection;
  private final ScsiTaskSet tasks;
  private final int maxTransferLength;
  /** Write data is held whole until its command runs, so the total per connection is capped. */
  private long bufferedBytes;

  DataOutCollector(Connection connection, ScsiTaskSet tasks, int maxTransferLength) {
    this.connection = connection;
    this.tasks = tasks;
    this.maxTransferLength = maxTransferLength;
  }

  /** True if a write of this length must wait (TASK SET FULL) for others' data to drain. */
  boolean full(int expectedLength) {
    return bufferedBytes > 0
        && bufferedBytes + (long) expectedLength > 2L * maxTransferLength;
  }

  /** A new WRITE: takes its immediate data and asks for the rest. */
  void start(ScsiTask task, Pdu command) {
    int edtl = task.expectedLength;
    if (edtl > maxTransferLength) {
      tasks.fail(task, TransportSense.invalidFieldInCdb());
      return;
    }
    bufferedBytes += edtl;
    SessionParameters params = connection.parameters();
    int immediateLength = command.dataLength();
    if (immediateLength > 0 && (!params.immediateData()
        || immediateLength > Math.min(edtl, params.firstBurstLength()))) {
      connection.protocolError(command, "immediate data of " + immediateLength
          + " bytes not allowed");
      return;
    }
    task.dataOutMemory = connection.alloc().directBuffer(edtl, edtl);
    task.dataOut = task.dataOutMemory.nioBuffer(0, edtl);
    command.copyDataTo(task.dataOut, 0);
    task.received = immediateLength;
    boolean unsolicitedFollows = (command.flags() & F_BIT) == 0 && !params.initialR2T();
    int unsolicitedEnd = unsolicitedFollows
        ? Math.min(edtl, params.firstBurstLength()) : immediateLength;
    if (unsolicitedEnd > immediateLength) {
      task.unsolicited = new DataOutSequence(Pdu.RESERVED_TAG, -1, immediateLength,
          unsolicitedEnd - immediateLength);
    }
    task.nextR2tOffset = unsolicitedEnd;
    solicit(task);
    if (task.allDataReceived()) {
      tasks.ready(task);
    }
  }

  /** Sends R2Ts up to MaxOutstandingR2T, each at most MaxBurstLength. */
  private void solicit(ScsiTask task) {
    SessionParameters params = connection.parameters();
    while (task.outstandingR2Ts.size() < params.maxOutstandingR2T()
        && task.nextR2tOffset < task.expectedLength) {
      int length = Math.min(params.maxBurstLength(), task.expectedLength - task.nextR2tOffset);
      int tag = connection.takeTransferTag();
      DataOutSequence seq = new DataOutSequence(tag, task.nextR2tSn++, task.nextR2tOffset, length);
      task.outstandingR2Ts.put(tag, seq);
      task.nextR2tOffset += length;
      Pdu r2t = Pdu.of(Opcode.R2T).flags(F_BIT).lun(task.lun).initiatorTaskTag(task.itt);
      r2t.intAt(20, tag).intAt(24, connection.currentStatSn()).intAt(36, seq.r2tSn)
          .intAt(40, seq.nextOffset).intAt(44, length);
      connection.send(r2t);
    }
  }

  /** A Data-Out PDU: unsolicited or in answer to one of our R2Ts. */
  void dataOut(Pdu pdu) {
    ScsiTask task = tasks.get(pdu.initiatorTaskTag());
    if (task == null || !task.write || task.queued) {
      // Data for a task that was aborted or already answered: RFC 7143 lets us discard it.
      log.debug("session {}: Data-Out for unknown or finished task 0x{}",
          connection.session().tsih(), Integer.toHexString(pdu.initiatorTaskTag()));
      return;
    }
    int ttt = pdu.intAt(20);
    DataOutSequence seq = ttt == Pdu.RESERVED_TAG ? task.unsolicited
        : task.outstandingR2Ts.get(ttt);
    if (seq == null) {
      failTransfer(task, "Data-Out with unexpected Target Transfer Tag 0x"
          + Integer.toHexString(ttt), TransportSense.dataPhaseError());
      return;
    }
    int length = pdu.dataLength();
    String wrong = seq.check(pdu.intAt(36), pdu.intAt(40), length);
    if (wrong == null && pdu.finalBit() && seq.nextOffset + length != seq.end
        && ttt != Pdu.RESERVED_TAG) {
      wrong = "F bit before the end of the R2T's range";
    }
    if (wrong != null) {
      failTransfer(task, wrong, wrong.startsWith("DataSN") ? TransportSense.dataPhaseError()
          : TransportSense.dataOffsetError());
      return;
    }
    pdu.copyDataTo(task.dataOut, seq.nextOffset);
    seq.accept(length);
    task.received += length;
    if (ttt == Pdu.RESERVED_TAG && pdu.finalBit()) {
      task.unsolicited = null;
    }
    if (ttt != Pdu.RESERVED_TAG && seq.complete()) {
      task.outstandingR2Ts.remove(ttt);
      solicit(task);
    }
    if (task.allDataReceived()) {
      tasks.ready(task);
    }
  }

  /**
   * A Data-Out sequence error (DataSN, offset, transfer tag). ErrorRecoveryLevel 0 cannot
   * re-request data, so the command ends with CHECK CONDITION and the session goes on; the rest
   * of its Data-Out is discarded as data for an unknown task.
   */
  private void failTransfer(ScsiTask task, String why, byte[] sense) {
    log.warn("session {}: task 0x{} fails: {}", connection.session().tsih(),
        Integer.toHexString(task.itt), why);
    tasks.fail(task, sense);
  }

  /**
   * The task has finished: its buffer no longer counts against the connection (the task gives
   * the memory back, see {@link ScsiTask#releaseMemory}).
   */
  void release(ScsiTask task) {
    if (task.dataOut != null) {
      bufferedBytes -= task.dataOut.capacity();
    }
  }
}
