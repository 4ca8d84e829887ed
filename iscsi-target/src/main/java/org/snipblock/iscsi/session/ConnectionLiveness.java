package org.snipblock.iscsi.session;

import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snipblock.iscsi.pdu.Opcode;
import org.snipblock.iscsi.pdu.Pdu;

/**
 * Whether the initiator is still there (RFC 7143 section 11.19: a target NOP-In with a transfer
 * tag asks for a NOP-Out). An {@link IdleStateHandler} reports when the initiator has sent
 * nothing for the NOP interval and again every interval after; the first report sends a ping,
 * and a later one ends the session if the ping has gone unanswered for the NOP timeout.
 */
final class ConnectionLiveness {
  private static final Logger log = LoggerFactory.getLogger(ConnectionLiveness.class);
  private static final long NOT_SENT = Long.MIN_VALUE;

  private final Connection connection;
  private final long timeoutNanos;
  private int pingTag = Pdu.RESERVED_TAG;
  private long pingSentAt;

  ConnectionLiveness(Connection connection, Duration timeout) {
    this.connection = connection;
    this.timeoutNanos = timeout.toNanos();
  }

  /** Goes first in the pipeline, so that any bytes at all count as a sign of life. */
  static IdleStateHandler idleDetector(Duration interval) {
    return new IdleStateHandler(interval.toNanos(), 0, 0, TimeUnit.NANOSECONDS);
  }

  /** Any PDU from the initiator answers the ping, whatever it is. */
  void heard() {
    pingTag = Pdu.RESERVED_TAG;
  }

  void idle(IdleStateEvent event) {
    if (connection.closing() || event.state() != IdleState.READER_IDLE) {
      return;
    }
    if (pingTag != Pdu.RESERVED_TAG) {
      // The clock starts when the ping has left: behind a long Data-In stream to a slow but
      // live initiator it may sit in our buffer for a while.
      if (pingSentAt != NOT_SENT && connection.nanoTime() - pingSentAt > timeoutNanos) {
        Session session = connection.session();
        log.warn("session {}: initiator {} did not answer NOP-In; dropping the connection",
            session.tsih(), session.key().initiatorName());
        connection.endAfterFlush("initiator stopped answering pings");
      }
      return;
    }
    int tag = connection.takeTransferTag();
    pingTag = tag;
    pingSentAt = NOT_SENT;
    Pdu ping = Pdu.of(Opcode.NOP_IN).flags(Connection.F_BIT).initiatorTaskTag(Pdu.RESERVED_TAG);
    ping.intAt(20, tag).intAt(24, connection.currentStatSn());
    connection.sendNow(ping).addListener(f -> {
      if (f.isSuccess() && pingTag == tag) {
        pingSentAt = connection.nanoTime();
      }
    });
  }
}
