package org.snipblock.iscsi.session;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snipblock.block.VolumeMdc;
import org.snipblock.iscsi.pdu.Opcode;
import org.snipblock.iscsi.pdu.Pdu;

/**
 * The target's side of one full-feature connection as the parts of the phase share it: the
 * numbering every outbound PDU carries (StatSN, ExpCmdSN, MaxCmdSN, target transfer tags) and
 * the one way out. Event loop only.
 */
final class Connection {
  private static final Logger log = LoggerFactory.getLogger(Connection.class);
  static final int F_BIT = 0x80;

  // Reject reasons, RFC 7143 section 11.17.1.
  static final int REJECT_DATA_DIGEST = 0x02;
  static final int REJECT_PROTOCOL_ERROR = 0x04;
  static final int REJECT_NOT_SUPPORTED = 0x05;
  static final int REJECT_INVALID_FIELD = 0x09;

  private final ChannelHandlerContext ctx;
  private final String volume;
  private final Session session;
  private final CommandWindow window;
  private int statSn;
  private int nextTransferTag = 1;
  private boolean closing;

  /** @param volume the session's volume, named in the logs of work run later on its loop; null for discovery */
  Connection(ChannelHandlerContext ctx, Session session, String volume, CommandWindow window, int firstStatSn) {
    this.ctx = ctx;
    this.session = session;
    this.volume = volume;
    this.window = window;
    this.statSn = firstStatSn;
  }

  Session session() {
    return session;
  }

  SessionParameters parameters() {
    return session.parameters();
  }

  CommandWindow window() {
    return window;
  }

  /** Logical unit futures complete on other threads; their answers must go out from here. */
  void onLoop(Runnable r) {
    ctx.executor().execute(() -> {
      try (VolumeMdc v = volumeMdc()) {
        r.run();
      }
    });
  }

  /** Names the session's volume in the logs of work for it until closed. */
  VolumeMdc volumeMdc() {
    return VolumeMdc.of(volume);
  }

  /** Whether the caller runs on this connection's event loop (where everything else here must). */
  boolean inLoop() {
    return ctx.executor().inEventLoop();
  }

  /** The channel's (pooled) allocator, for memory a task borrows; any thread. */
  ByteBufAllocator alloc() {
    return ctx.alloc();
  }

  long nanoTime() {
    return ctx.executor().ticker().nanoTime();
  }

  /** The StatSN for a response that takes a number (status, TMF, text, logout, reject). */
  int takeStatSn() {
    return statSn++;
  }

  /** R2T and target pings carry StatSN without consuming it (RFC 7143 11.8.3, 11.19.2). */
  int currentStatSn() {
    return statSn;
  }

  /** A target transfer tag for an R2T, a text continuation or a ping; never the reserved one. */
  int takeTransferTag() {
    int tag = nextTransferTag++;
    if (nextTransferTag == Pdu.RESERVED_TAG) {
      nextTransferTag = 1;
    }
    return tag;
  }

  /** Queues a PDU; the caller flushes once it has nothing more to say. */
  void send(Pdu pdu) {
    ctx.write(stamp(pdu));
  }

  ChannelFuture sendNow(Pdu pdu) {
    return ctx.writeAndFlush(stamp(pdu));
  }

  void flush() {
    ctx.flush();
  }

  /** Answers a PDU we will not act on; the initiator learns why from the reason code. */
  void reject(int reason, byte[] header) {
    Pdu pdu = Pdu.of(Opcode.REJECT).flags(F_BIT).initiatorTaskTag(Pdu.RESERVED_TAG);
    pdu.byteAt(2, reason).intAt(24, statSn++);
    send(pdu.data(ByteBuffer.wrap(header.clone())));
  }

  /** ErrorRecoveryLevel 0 has no way back from a protocol error: reject, then end the session. */
  void protocolError(Pdu pdu, String why) {
    log.warn("session {}: protocol error: {}; dropping the connection", session.tsih(), why);
    reject(REJECT_PROTOCOL_ERROR, pdu.bhs());
    endAfterFlush(why);
  }

  boolean closing() {
    return closing;
  }

  /** The channel is gone: nothing more is sent. */
  void closed() {
    closing = true;
  }

  /** Ends the session once what is queued (a final response or a reject) has left. */
  void endAfterFlush(String why) {
    if (closing) {
      return;
    }
    closing = true;
    // The flush may complete after the work that ends the session: its end is still that volume's.
    ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
      try (VolumeMdc v = VolumeMdc.of(volume)) {
        session.end(why);
      }
    });
  }

  private Pdu stamp(Pdu pdu) {
    return pdu.intAt(28, window.expCmdSn()).intAt(32, window.maxCmdSn());
  }
}
