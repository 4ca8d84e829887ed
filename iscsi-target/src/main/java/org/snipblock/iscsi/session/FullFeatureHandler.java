package org.snipblock.iscsi.session;

import org.snipblock.block.ConnectionFailure;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.timeout.IdleStateEvent;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snipblock.block.VolumeMdc;
import org.snipblock.iscsi.pdu.Opcode;
import org.snipblock.iscsi.pdu.Pdu;
import org.snipblock.iscsi.pdu.PduFormatException;

/**
 * The full feature phase of one connection (RFC 7143 sections 4.2, 10, 11): takes each PDU in
 * CmdSN order ({@link CommandWindow}) to the part of the phase that owns it. SCSI commands and
 * their data go to the {@link ScsiTaskSet}, task management to {@link TaskManagementFunctions},
 * Text to {@link TextRequestResponder}; NOP-Out and Logout are answered here; silence is
 * {@link ConnectionLiveness}'s business. Everything runs on the connection's event loop.
 */
public final class FullFeatureHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(FullFeatureHandler.class);
  /**
   * At depth the initiator's commands arrive several to a socket read and their completions several
   * to a turn of the loop: one flush (one write to the socket) for each such batch, not one per
   * PDU, saves a system call per command. A long batch still goes out every this many PDUs.
   */
  private static final int FLUSH_AT_MOST_EVERY = 64;

  private final TargetContext target;
  private final Session session;
  private final int cid;
  private final int firstCmdSn;
  private final int firstStatSn;

  /** The session's volume; null for discovery. */
  private String volume;
  private Connection connection;
  private ScsiTaskSet tasks;
  private TaskManagementFunctions taskManagement;
  private TextRequestResponder text;
  private ConnectionLiveness liveness;
  /** The commands one PDU lets through the window; reused, as each PDU is sequenced in turn. */
  private final List<Pdu> ready = new ArrayList<>();

  public FullFeatureHandler(TargetContext target, Session session, int cid, int firstCmdSn,
      int firstStatSn) {
    this.target = target;
    this.session = session;
    this.cid = cid;
    this.firstCmdSn = firstCmdSn;
    this.firstStatSn = firstStatSn;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    CommandWindow window = new CommandWindow(firstCmdSn, target.config().commandWindow());
    volume = session.discovery() ? null : target.config().deviceName(session.key().targetName());
    connection = new Connection(ctx, session, volume, window, firstStatSn);
    tasks = new ScsiTaskSet(connection, target.config());
    taskManagement = new TaskManagementFunctions(connection, target.sessions(), tasks);
    text = new TextRequestResponder(target, connection);
    liveness = new ConnectionLiveness(connection, target.config().nopTimeout());
    session.taskSet(tasks::abortAllForAnotherSession);
    ctx.pipeline().addFirst("idle", ConnectionLiveness.idleDetector(target.config().nopInterval()));
    ctx.pipeline().addBefore(ctx.name(), "flush-batches",
        new FlushConsolidationHandler(FLUSH_AT_MOST_EVERY, true));
  }

  /**
   * The session's volume (none for discovery) in the logs of what this connection does on its event
   * loop, which serves other sessions' volumes too.
   */
  private VolumeMdc volume() {
    return VolumeMdc.of(volume);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    try (VolumeMdc v = volume()) {
      connection.closed();
      connection.window().discard();
      tasks.abortAll();
      session.end("connection closed");
      ctx.fireChannelInactive();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    // Per-connection back-pressure: stop reading from an initiator that does not read its data.
    ctx.channel().config().setAutoRead(ctx.channel().isWritable());
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof IdleStateEvent idle) {
      try (VolumeMdc v = volume()) {
        liveness.idle(idle);
      }
    } else {
      ctx.fireUserEventTriggered(event);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    try (VolumeMdc v = volume()) {
      failed(cause);
    }
  }

  private void failed(Throwable cause) {
    Throwable root = cause.getCause() instanceof PduFormatException ? cause.getCause() : cause;
    if (root instanceof PduFormatException bad) {
      log.warn("session {}: {}; dropping the connection", session.tsih(), bad.getMessage());
      if (bad.header() != null) {
        connection.reject(Connection.REJECT_PROTOCOL_ERROR, bad.header());
        connection.flush();
      }
    } else {
      ConnectionFailure.log(log, "session " + session.tsih() + ": connection failed", cause, PduFormatException.class);
    }
    connection.endAfterFlush(root.getMessage());
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof Pdu pdu)) {
      ctx.fireChannelRead(msg);
      return;
    }
    try (VolumeMdc v = volume()) {
      read(pdu);
    } finally {
      pdu.release();
    }
    ctx.flush();
  }

  private void read(Pdu pdu) {
    if (connection.closing()) {
      return;
    }
    liveness.heard();
    if (pdu.dataDigestFailed()) {
      dataDigestError(pdu);
      return;
    }
    switch (pdu.opcode()) {
      case Opcode.DATA_OUT -> tasks.dataOut().dataOut(pdu);
      case Opcode.NOP_OUT, Opcode.SCSI_COMMAND, Opcode.TASK_MGMT_REQUEST, Opcode.TEXT_REQUEST,
          Opcode.LOGOUT_REQUEST -> sequence(pdu);
      case Opcode.SNACK_REQUEST -> connection.protocolError(pdu, "SNACK at ErrorRecoveryLevel 0");
      case Opcode.LOGIN_REQUEST ->
          connection.protocolError(pdu, "Login Request in full feature phase");
      default -> {
        log.warn("session {}: unsupported opcode 0x{}", session.tsih(),
            Integer.toHexString(pdu.opcode()));
        connection.reject(Connection.REJECT_NOT_SUPPORTED, pdu.bhs());
      }
    }
  }

  private void sequence(Pdu pdu) {
    if (pdu.immediate()) {
      deliver(pdu);
      return;
    }
    CommandWindow window = connection.window();
    ready.clear();
    if (!window.offer(pdu.intAt(24), pdu, ready)) {
      // RFC 7143 4.2.2.1: commands outside the window are silently ignored.
      log.debug("session {}: CmdSN {} outside [{}, {}], ignored", session.tsih(),
          Integer.toUnsignedString(pdu.intAt(24)), Integer.toUnsignedString(window.expCmdSn()),
          Integer.toUnsignedString(window.maxCmdSn()));
      return;
    }
    for (int i = 0; i < ready.size(); i++) {
      Pdu p = ready.get(i);
      try {
        deliver(p);
      } finally {
        p.release();
      }
    }
    ready.clear();
    window.refresh();
  }

  private void deliver(Pdu pdu) {
    if (connection.closing()) {
      return;
    }
    switch (pdu.opcode()) {
      case Opcode.NOP_OUT -> nopOut(pdu);
      case Opcode.SCSI_COMMAND -> tasks.command(pdu);
      case Opcode.TASK_MGMT_REQUEST -> taskManagement.request(pdu);
      case Opcode.TEXT_REQUEST -> text.request(pdu);
      case Opcode.LOGOUT_REQUEST -> logout(pdu);
      default -> throw new IllegalStateException("not a command: " + pdu);
    }
  }

  private void nopOut(Pdu pdu) {
    if (pdu.initiatorTaskTag() == Pdu.RESERVED_TAG) {
      return; // an answer to our ping, or a ping that wants no answer
    }
    // A copy: the ping's data is the input buffer's, released before the echo is written.
    ByteBuffer ping = pdu.data();
    int length = Math.min(ping.remaining(),
        connection.parameters().initiatorMaxRecvDataSegmentLength());
    ByteBuffer echo = ByteBuffer.allocate(length).put(0, ping, ping.position(), length);
    Pdu nopIn = Pdu.of(Opcode.NOP_IN).flags(Connection.F_BIT).lun(pdu.lun())
        .initiatorTaskTag(pdu.initiatorTaskTag());
    nopIn.intAt(20, Pdu.RESERVED_TAG).intAt(24, connection.takeStatSn()).data(echo);
    connection.send(nopIn);
  }

  private void logout(Pdu pdu) {
    int reason = pdu.flags() & 0x7f;
    int response;
    if (reason == 0 || (reason == 1 && pdu.shortAt(20) == cid)) {
      response = 0;
    } else if (reason == 1) {
      response = 1; // CID not found
    } else {
      response = 2; // connection recovery is not supported at ErrorRecoveryLevel 0
    }
    tasks.allFinished().thenCompose(v -> response == 0 && !connection.closing() ? session.releaseNexus()
        : java.util.concurrent.CompletableFuture.completedFuture(null)).whenComplete((v, e) -> connection.onLoop(() -> {
      if (connection.closing()) {
        return;
      }
      Pdu answer = Pdu.of(Opcode.LOGOUT_RESPONSE).flags(Connection.F_BIT)
          .initiatorTaskTag(pdu.initiatorTaskTag());
      answer.byteAt(2, response).intAt(24, connection.takeStatSn());
      connection.send(answer);
      if (response == 0) {
        connection.endAfterFlush("logout");
      } else {
        connection.flush();
      }
    }));
  }

  private void dataDigestError(Pdu pdu) {
    log.warn("session {}: data digest error on opcode 0x{}", session.tsih(),
        Integer.toHexString(pdu.opcode()));
    connection.reject(Connection.REJECT_DATA_DIGEST, pdu.bhs());
    if (pdu.opcode() == Opcode.DATA_OUT) {
      // ErrorRecoveryLevel 0 cannot recover lost Data-Out: the session ends (RFC 7143 7.8).
      connection.endAfterFlush("data digest error in Data-Out");
    }
  }
}
