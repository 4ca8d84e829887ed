package org.snipblock.iscsi.session;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snipblock.iscsi.pdu.Opcode;
import org.snipblock.iscsi.pdu.Pdu;
import org.snipblock.iscsi.scsi.ScsiResponse;

/**
 * Answers a finished SCSI task (RFC 7143 sections 11.4 and 11.7): Data-In PDUs cut to the
 * initiator's MaxRecvDataSegmentLength and MaxBurstLength, with the status collapsed into the
 * last one when there is no sense data, otherwise a SCSI Response; residuals either way.
 */
final class ResponseSender {
  private static final Logger log = LoggerFactory.getLogger(ResponseSender.class);
  private static final int F_BIT = Connection.F_BIT;
  private static final int STATUS_BIT = 0x01;
  private static final int UNDERFLOW = 0x02;
  private static final int OVERFLOW = 0x04;
  private static final int INQUIRY = 0x12;

  private final Connection connection;
  private final Session session;

  ResponseSender(Connection connection) {
    this.connection = connection;
    this.session = connection.session();
  }

  /** {@code response} is null (or {@code failure} set) if the logical unit broke its contract. */
  void respond(ScsiTask task, ScsiResponse response, Throwable failure) {
    if (failure != null || response == null) {
      log.error("session {}: logical unit failed a command instead of answering it",
          session.tsih(), failure);
      response = ScsiResponse.checkCondition(TransportSense.internalTargetFailure());
    } else if (task.lun != 0 && task.cdb[0] == INQUIRY) {
      response = noDeviceAtThisLun(response);
    }
    send(task, response);
  }

  /** INQUIRY for a LUN we do not have: peripheral qualifier 011b (SPC-4 6.6.2). */
  private static ScsiResponse noDeviceAtThisLun(ScsiResponse response) {
    ByteBuffer data = response.dataIn();
    if (response.status() != ScsiResponse.GOOD || !data.hasRemaining()) {
      return response;
    }
    ByteBuffer copy = ByteBuffer.allocate(data.remaining()).put(data.duplicate()).flip();
    copy.put(0, (byte) 0x7f);
    return new ScsiResponse(response.status(), copy, response.sense());
  }

  private void send(ScsiTask task, ScsiResponse response) {
    ByteBuffer dataIn = response.dataIn() == null ? ByteBuffer.allocate(0)
        : response.dataIn().duplicate();
    // Data-In a read put in memory the connection lent: each PDU carries a reference of its own.
    ByteBuf lent = task.dataInMemoryOf(response.dataIn());
    int available = dataIn.remaining();
    int expected = task.read ? task.expectedLength : 0;
    int toSend = Math.min(available, expected);
    int residualFlags = 0;
    int residual = 0;
    if (task.read && available > expected) {
      residualFlags = OVERFLOW;
      residual = available - expected;
    } else if (task.read && available < expected) {
      residualFlags = UNDERFLOW;
      residual = expected - available;
    } else if (task.write) {
      // Write residuals compare with what the CDB calls for (RFC 7143 11.4.5.2).
      long wanted = session.logicalUnit().dataOutLength(task.cdb);
      if (wanted > task.expectedLength) {
        residualFlags = OVERFLOW;
        residual = (int) Math.min(Integer.MAX_VALUE, wanted - task.expectedLength);
      } else if (wanted >= 0 && wanted < task.expectedLength) {
        residualFlags = UNDERFLOW;
        residual = task.expectedLength - (int) wanted;
      }
    }
    byte[] sense = response.sense();
    boolean collapse = toSend > 0 && (sense == null || sense.length == 0);
    SessionParameters params = connection.parameters();
    int segment = params.initiatorMaxRecvDataSegmentLength();
    int burst = params.maxBurstLength();
    int dataSn = 0;
    int offset = 0;
    while (offset < toSend) {
      int burstEnd = Math.min(toSend, (offset / burst + 1) * burst);
      int length = Math.min(segment, burstEnd - offset);
      boolean lastOfBurst = offset + length == burstEnd;
      boolean last = offset + length == toSend;
      int from = dataIn.position() + offset;
      Pdu pdu = Pdu.of(Opcode.DATA_IN).lun(task.lun).initiatorTaskTag(task.itt);
      pdu.intAt(20, Pdu.RESERVED_TAG).intAt(36, dataSn++).intAt(40, offset);
      if (lent != null) {
        pdu.data(lent.retainedSlice(from, length));
      } else {
        pdu.data(dataIn.slice(from, length));
      }
      int flags = lastOfBurst ? F_BIT : 0;
      if (last && collapse) {
        flags |= STATUS_BIT | residualFlags;
        pdu.byteAt(3, response.status()).intAt(24, connection.takeStatSn()).intAt(44, residual);
      }
      pdu.flags(flags);
      connection.send(pdu);
      offset += length;
    }
    if (collapse) {
      return;
    }
    Pdu pdu = Pdu.of(Opcode.SCSI_RESPONSE).flags(F_BIT | residualFlags)
        .initiatorTaskTag(task.itt);
    pdu.byteAt(2, 0).byteAt(3, response.status());
    pdu.intAt(24, connection.takeStatSn()).intAt(36, dataSn).intAt(44, residual);
    if (sense != null && sense.length > 0) {
      ByteBuffer senseData = ByteBuffer.allocate(2 + sense.length);
      senseData.putShort((short) sense.length).put(sense).flip();
      pdu.data(senseData);
    }
    connection.send(pdu);
  }
}
