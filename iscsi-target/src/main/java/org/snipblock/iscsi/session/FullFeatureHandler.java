package org.snipblock.iscsi.session;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snipblock.iscsi.pdu.Opcode;
import org.snipblock.iscsi.pdu.Pdu;
import org.snipblock.iscsi.pdu.PduFormatException;
import org.snipblock.iscsi.pdu.TextKeys;
import org.snipblock.iscsi.scsi.LogicalUnit;
import org.snipblock.iscsi.scsi.LogicalUnit.TaskManagement;
import org.snipblock.iscsi.scsi.ScsiCommand;
import org.snipblock.iscsi.scsi.ScsiResponse;

/**
 * The full feature phase of one connection (RFC 7143 sections 4.2, 10, 11): commands in CmdSN
 * order, data-out via immediate data, unsolicited bursts and R2Ts, data-in with phase-collapsed
 * status, NOP pings both ways, Text, Logout, task management and Reject. Everything here runs on
 * the connection's event loop; logical unit futures hop back onto it when they complete.
 */
public final class FullFeatureHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(FullFeatureHandler.class);
  private static final int F_BIT = 0x80;
  private static final int READ_BIT = 0x40;
  private static final int WRITE_BIT = 0x20;
  private static final int TEXT_CONTINUE = 0x40;

  // Reject reasons, RFC 7143 section 11.17.1.
  static final int REJECT_DATA_DIGEST = 0x02;
  static final int REJECT_PROTOCOL_ERROR = 0x04;
  static final int REJECT_NOT_SUPPORTED = 0x05;
  static final int REJECT_INVALID_FIELD = 0x09;

  /** Immediate commands allowed beyond the CmdSN window (TMF, pings, the odd urgent SCSI). */
  private static final int IMMEDIATE_ALLOWANCE = 16;

  private final TargetContext target;
  private final Session session;
  private final SessionParameters params;
  private final int cid;
  private final CommandWindow window;
  private final Map<Integer, ScsiTask> tasks = new HashMap<>();
  private final TaskOrdering ordering = new TaskOrdering(this::execute);
  private final TextRequestResponder textResponder;

  private ChannelHandlerContext ctx;
  private int statSn;
  private long bufferedBytes;
  private int nextTransferTag = 1;
  private boolean closing;

  // Text continuation in both directions (RFC 7143 section 11.10.2).
  private final java.io.ByteArrayOutputStream textIn = new java.io.ByteArrayOutputStream();
  private ByteBuffer textOut;
  private int textTransferTag = Pdu.RESERVED_TAG;

  // Target-initiated NOP-In: liveness of the initiator.
  private long lastHeard;
  private int pingTag = Pdu.RESERVED_TAG;
  private long pingSentAt;
  private static final long NOT_SENT = Long.MIN_VALUE;
  private ScheduledFuture<?> pinger;

  public FullFeatureHandler(TargetContext target, Session session, int cid, int firstCmdSn,
      int firstStatSn) {
    this.target = target;
    this.session = session;
    this.params = session.parameters();
    this.cid = cid;
    this.window = new CommandWindow(firstCmdSn, target.config().commandWindow());
    this.statSn = firstStatSn;
    this.textResponder = new TextRequestResponder(target, session);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    session.taskSet(this::abortAllForAnotherSession);
    lastHeard = ctx.executor().ticker().nanoTime();
    long interval = target.config().nopInterval().toNanos();
    pinger = ctx.executor().scheduleAtFixedRate(this::checkLiveness, interval, interval,
        TimeUnit.NANOSECONDS);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    pinger.cancel(false);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closing = true;
    pinger.cancel(false);
    for (ScsiTask task : new ArrayList<>(tasks.values())) {
      abort(task);
    }
    session.end("connection closed");
    ctx.fireChannelInactive();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    // Per-connection back-pressure: stop reading from an initiator that does not read its data.
    ctx.channel().config().setAutoRead(ctx.channel().isWritable());
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    Throwable root = cause.getCause() instanceof PduFormatException ? cause.getCause() : cause;
    if (root instanceof PduFormatException bad) {
      log.warn("session {}: {}; dropping the connection", session.tsih(), bad.getMessage());
      if (bad.header() != null) {
        ctx.writeAndFlush(reject(REJECT_PROTOCOL_ERROR, bad.header()));
      }
    } else {
      log.warn("session {}: connection failed: {}", session.tsih(), root.toString());
    }
    endAfterFlush(root.getMessage());
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof Pdu pdu)) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (closing) {
      return;
    }
    lastHeard = ctx.executor().ticker().nanoTime();
    pingTag = Pdu.RESERVED_TAG;
    if (pdu.dataDigestFailed()) {
      dataDigestError(pdu);
      return;
    }
    switch (pdu.opcode()) {
      case Opcode.DATA_OUT -> dataOut(pdu);
      case Opcode.NOP_OUT, Opcode.SCSI_COMMAND, Opcode.TASK_MGMT_REQUEST, Opcode.TEXT_REQUEST,
          Opcode.LOGOUT_REQUEST -> sequence(pdu);
      case Opcode.SNACK_REQUEST -> protocolError(pdu, "SNACK at ErrorRecoveryLevel 0");
      case Opcode.LOGIN_REQUEST -> protocolError(pdu, "Login Request in full feature phase");
      default -> {
        log.warn("session {}: unsupported opcode 0x{}", session.tsih(),
            Integer.toHexString(pdu.opcode()));
        send(reject(REJECT_NOT_SUPPORTED, pdu.bhs()));
      }
    }
    ctx.flush();
  }

  private void sequence(Pdu pdu) {
    if (pdu.immediate()) {
      deliver(pdu);
      return;
    }
    List<Pdu> ready = new ArrayList<>(1);
    if (!window.offer(pdu.intAt(24), pdu, ready)) {
      // RFC 7143 4.2.2.1: commands outside the window are silently ignored.
      log.debug("session {}: CmdSN {} outside [{}, {}], ignored", session.tsih(),
          Integer.toUnsignedString(pdu.intAt(24)), Integer.toUnsignedString(window.expCmdSn()),
          Integer.toUnsignedString(window.maxCmdSn()));
      return;
    }
    for (Pdu p : ready) {
      deliver(p);
    }
    window.refresh();
  }

  private void deliver(Pdu pdu) {
    if (closing) {
      return;
    }
    switch (pdu.opcode()) {
      case Opcode.NOP_OUT -> nopOut(pdu);
      case Opcode.SCSI_COMMAND -> command(pdu);
      case Opcode.TASK_MGMT_REQUEST -> taskManagement(pdu);
      case Opcode.TEXT_REQUEST -> text(pdu);
      case Opcode.LOGOUT_REQUEST -> logout(pdu);
      default -> throw new IllegalStateException("not a command: " + pdu);
    }
  }

  // ---------------------------------------------------------------- SCSI commands and data

  private void command(Pdu pdu) {
    if (session.discovery()) {
      send(reject(REJECT_NOT_SUPPORTED, pdu.bhs()));
      return;
    }
    int itt = pdu.initiatorTaskTag();
    if (tasks.containsKey(itt)) {
      send(reject(REJECT_INVALID_FIELD, pdu.bhs()));
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
      window.taskStarted();
    }
    if (task.lun != 0 && task.cdb[0] != 0x12 && (task.cdb[0] & 0xff) != 0xa0) {
      complete(task, ScsiResponse.checkCondition(TransportSense.logicalUnitNotSupported()), null);
      return;
    }
    if (edtl < 0 || (read && write)) {
      // Bidirectional commands (XDWRITEREAD) are not supported by any logical unit here.
      complete(task, ScsiResponse.checkCondition(TransportSense.invalidFieldInCdb()), null);
      return;
    }
    if (tasks.size() > target.config().commandWindow() + IMMEDIATE_ALLOWANCE
        || (write && bufferedBytes > 0
            && bufferedBytes + (long) edtl > 2L * target.config().maxTransferLength())) {
      // Bounded memory per connection: immediate commands bypass the CmdSN window and write
      // data is buffered whole, so both are capped; initiators retry TASK SET FULL.
      complete(task, ScsiResponse.status(ScsiResponse.TASK_SET_FULL), null);
      return;
    }
    if (write) {
      if (edtl > target.config().maxTransferLength()) {
        complete(task, ScsiResponse.checkCondition(TransportSense.invalidFieldInCdb()), null);
        return;
      }
      bufferedBytes += edtl;
      ByteBuffer immediate = pdu.data();
      int immediateLength = immediate.remaining();
      if (immediateLength > 0 && (!params.immediateData()
          || immediateLength > Math.min(edtl, params.firstBurstLength()))) {
        protocolError(pdu, "immediate data of " + immediateLength + " bytes not allowed");
        return;
      }
      task.dataOut = ByteBuffer.allocate(edtl);
      task.dataOut.put(0, immediate, immediate.position(), immediateLength);
      task.received = immediateLength;
      boolean unsolicitedFollows = (flags & F_BIT) == 0 && !params.initialR2T();
      int unsolicitedEnd = unsolicitedFollows
          ? Math.min(edtl, params.firstBurstLength()) : immediateLength;
      if (unsolicitedEnd > immediateLength) {
        task.unsolicited = new DataOutSequence(Pdu.RESERVED_TAG, -1, immediateLength,
            unsolicitedEnd - immediateLength);
      }
      task.nextR2tOffset = unsolicitedEnd;
      solicit(task);
    }
    if (task.allDataReceived()) {
      ordering.submit(task);
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

  /** Sends R2Ts up to MaxOutstandingR2T, each at most MaxBurstLength. */
  private void solicit(ScsiTask task) {
    while (task.outstandingR2Ts.size() < params.maxOutstandingR2T()
        && task.nextR2tOffset < task.expectedLength) {
      int length = Math.min(params.maxBurstLength(), task.expectedLength - task.nextR2tOffset);
      int tag = nextTransferTag++;
      if (nextTransferTag == Pdu.RESERVED_TAG) {
        nextTransferTag = 1;
      }
      DataOutSequence seq = new DataOutSequence(tag, task.nextR2tSn++, task.nextR2tOffset, length);
      task.outstandingR2Ts.put(tag, seq);
      task.nextR2tOffset += length;
      Pdu r2t = Pdu.of(Opcode.R2T).flags(F_BIT).lun(task.lun).initiatorTaskTag(task.itt);
      r2t.intAt(20, tag).intAt(24, statSn).intAt(36, seq.r2tSn).intAt(40, seq.nextOffset)
          .intAt(44, length);
      send(stamp(r2t));
    }
  }

  private void dataOut(Pdu pdu) {
    ScsiTask task = tasks.get(pdu.initiatorTaskTag());
    if (task == null || !task.write || task.queued) {
      // Data for a task that was aborted or already answered: RFC 7143 lets us discard it.
      log.debug("session {}: Data-Out for unknown or finished task 0x{}", session.tsih(),
          Integer.toHexString(pdu.initiatorTaskTag()));
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
    ByteBuffer data = pdu.data();
    int length = data.remaining();
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
    task.dataOut.put(seq.nextOffset, data, data.position(), length);
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
      ordering.submit(task);
    }
  }

  /**
   * A Data-Out sequence error (DataSN, offset, transfer tag). ErrorRecoveryLevel 0 cannot
   * re-request data, so the command ends with CHECK CONDITION and the session goes on; the rest
   * of its Data-Out is discarded as data for an unknown task.
   */
  private void failTransfer(ScsiTask task, String why, byte[] sense) {
    log.warn("session {}: task 0x{} fails: {}", session.tsih(), Integer.toHexString(task.itt),
        why);
    complete(task, ScsiResponse.checkCondition(sense), null);
  }

  private void execute(ScsiTask task) {
    task.executing = true;
    LogicalUnit unit = session.logicalUnit();
    ByteBuffer data = task.write ? task.dataOut.clear().asReadOnlyBuffer() : ByteBuffer.allocate(0);
    ScsiCommand command = new ScsiCommand(task.cdb, data, task.read ? task.expectedLength : 0,
        session.nexus(), task.itt & 0xffffffffL);
    task.command = command;
    CompletableFuture<ScsiResponse> result;
    try {
      result = unit.execute(command);
    } catch (RuntimeException e) {
      result = CompletableFuture.failedFuture(e);
    }
    result.whenComplete((response, failure) ->
        ctx.executor().execute(() -> {
          ordering.finished(task);
          complete(task, response, failure);
        }));
  }

  /** A task is done: free its slot, and answer unless it was aborted. */
  private void complete(ScsiTask task, ScsiResponse response, Throwable failure) {
    if (tasks.remove(task.itt, task) && task.counted) {
      window.taskEnded();
    }
    if (task.dataOut != null) {
      bufferedBytes -= task.dataOut.capacity();
      task.dataOut = null;
    }
    task.finished.complete(null);
    if (task.aborted || closing) {
      return;
    }
    if (failure != null || response == null) {
      log.error("session {}: logical unit failed a command instead of answering it",
          session.tsih(), failure);
      response = ScsiResponse.checkCondition(TransportSense.internalTargetFailure());
    } else if (task.lun != 0 && task.cdb[0] == 0x12) {
      response = noDeviceAtThisLun(response);
    }
    respond(task, response);
    ctx.flush();
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

  /** Data-In PDUs (phase-collapsed when there is no sense), or a SCSI Response. */
  private void respond(ScsiTask task, ScsiResponse response) {
    ByteBuffer dataIn = response.dataIn() == null ? ByteBuffer.allocate(0)
        : response.dataIn().duplicate();
    int available = dataIn.remaining();
    int expected = task.read ? task.expectedLength : 0;
    int toSend = Math.min(available, expected);
    int residualFlags = 0;
    int residual = 0;
    if (task.read && available > expected) {
      residualFlags = 0x04;
      residual = available - expected;
    } else if (task.read && available < expected) {
      residualFlags = 0x02;
      residual = expected - available;
    } else if (task.write) {
      // Write residuals compare with what the CDB calls for (RFC 7143 11.4.5.2).
      long wanted = session.logicalUnit().dataOutLength(task.cdb);
      if (wanted > task.expectedLength) {
        residualFlags = 0x04;
        residual = (int) Math.min(Integer.MAX_VALUE, wanted - task.expectedLength);
      } else if (wanted >= 0 && wanted < task.expectedLength) {
        residualFlags = 0x02;
        residual = task.expectedLength - (int) wanted;
      }
    }
    byte[] sense = response.sense();
    boolean collapse = toSend > 0 && (sense == null || sense.length == 0);
    int segment = params.initiatorMaxRecvDataSegmentLength();
    int burst = params.maxBurstLength();
    int dataSn = 0;
    int offset = 0;
    while (offset < toSend) {
      int burstEnd = Math.min(toSend, (offset / burst + 1) * burst);
      int length = Math.min(segment, burstEnd - offset);
      boolean lastOfBurst = offset + length == burstEnd;
      boolean last = offset + length == toSend;
      ByteBuffer slice = dataIn.slice(dataIn.position() + offset, length);
      Pdu pdu = Pdu.of(Opcode.DATA_IN).lun(task.lun).initiatorTaskTag(task.itt);
      pdu.intAt(20, Pdu.RESERVED_TAG).intAt(36, dataSn++).intAt(40, offset).data(slice);
      int flags = lastOfBurst ? F_BIT : 0;
      if (last && collapse) {
        flags |= 0x01 | residualFlags;
        pdu.byteAt(3, response.status()).intAt(24, statSn++).intAt(44, residual);
      }
      pdu.flags(flags);
      send(stamp(pdu));
      offset += length;
    }
    if (collapse) {
      return;
    }
    Pdu pdu = Pdu.of(Opcode.SCSI_RESPONSE).flags(F_BIT | residualFlags).initiatorTaskTag(task.itt);
    pdu.byteAt(2, 0).byteAt(3, response.status());
    pdu.intAt(24, statSn++).intAt(36, dataSn).intAt(44, residual);
    if (sense != null && sense.length > 0) {
      ByteBuffer senseData = ByteBuffer.allocate(2 + sense.length);
      senseData.putShort((short) sense.length).put(sense).flip();
      pdu.data(senseData);
    }
    send(stamp(pdu));
  }

  // ---------------------------------------------------------------- task management

  private void taskManagement(Pdu pdu) {
    if (session.discovery()) {
      send(reject(REJECT_NOT_SUPPORTED, pdu.bhs()));
      return;
    }
    int function = pdu.flags() & 0x7f;
    int referenced = pdu.intAt(20);
    TaskManagement lunFunction = switch (function) {
      case 2 -> TaskManagement.ABORT_TASK_SET;
      case 3 -> TaskManagement.CLEAR_ACA;
      case 4 -> TaskManagement.CLEAR_TASK_SET;
      case 5 -> TaskManagement.LUN_RESET;
      case 6 -> TaskManagement.TARGET_WARM_RESET;
      case 7 -> TaskManagement.TARGET_COLD_RESET;
      default -> null;
    };
    if (function == 1) {
      ScsiTask task = tasks.get(referenced);
      if (task == null) {
        // RFC 7143 11.5.1: a referenced command still ahead of ExpCmdSN counts as received
        // (function complete); one already answered or never sent does not exist.
        boolean ahead = SerialNumbers.within(pdu.intAt(32), window.expCmdSn(), window.maxCmdSn());
        tmfResponse(pdu, ahead ? 0 : 1);
        return;
      }
      log.info("session {}: ABORT TASK 0x{}", session.tsih(), Integer.toHexString(referenced));
      abort(task);
      task.finished.whenComplete((v, e) -> ctx.executor().execute(() -> tmfResponse(pdu, 0)));
      return;
    }
    if (lunFunction == null) {
      // TASK REASSIGN needs ErrorRecoveryLevel 2; anything else is unknown.
      tmfResponse(pdu, function == 8 ? 4 : 5);
      return;
    }
    boolean lunScoped = function == 2 || function == 3 || function == 4 || function == 5;
    if (lunScoped && pdu.lun() != 0) {
      tmfResponse(pdu, 2);
      return;
    }
    log.info("session {}: task management {}", session.tsih(), lunFunction);
    List<CompletableFuture<Void>> affected = new ArrayList<>();
    if (function != 3) {
      affected.add(abortAll());
    }
    // ABORT TASK SET is this nexus's business; CLEAR TASK SET, LUN RESET and the target resets
    // reach the tasks of every nexus of the logical unit (SAM-5 7.4, 7.6, 7.8), which here is
    // also every session of the target node.
    boolean everyNexus = function >= 4;
    List<Session> others = everyNexus ? otherSessionsOfThisUnit() : List.of();
    others.forEach(other -> affected.add(other.abortAllTasks()));
    CompletableFuture.allOf(affected.toArray(CompletableFuture[]::new)).whenComplete((v, e) ->
        ctx.executor().execute(() -> {
          session.logicalUnit().taskManagement(lunFunction, session.nexus());
          tmfResponse(pdu, 0);
          if (function == 7) {
            // RFC 7143 11.5.1: after a TARGET COLD RESET the target drops all connections.
            others.forEach(other -> other.end("TARGET COLD RESET from session " + session.tsih()));
            endAfterFlush("TARGET COLD RESET");
          }
        }));
  }

  private List<Session> otherSessionsOfThisUnit() {
    List<Session> others = new ArrayList<>();
    for (Session s : target.sessions().all()) {
      if (s != session && s.logicalUnit() == session.logicalUnit()) {
        others.add(s);
      }
    }
    return others;
  }

  /** Aborts every task of this connection; completes (on this loop) once all have stopped. */
  private CompletableFuture<Void> abortAll() {
    List<CompletableFuture<Void>> finished = new ArrayList<>();
    for (ScsiTask task : new ArrayList<>(tasks.values())) {
      abort(task);
      finished.add(task.finished);
    }
    return CompletableFuture.allOf(finished.toArray(CompletableFuture[]::new));
  }

  /** {@link #abortAll} asked from another session's thread. */
  private CompletableFuture<Void> abortAllForAnotherSession() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    ctx.executor().execute(() -> {
      if (!tasks.isEmpty()) {
        log.info("session {}: tasks aborted by task management of another session",
            session.tsih());
      }
      abortAll().whenComplete((v, e) -> done.complete(null));
    });
    return done;
  }

  /**
   * Stops a task: no response will be sent for it; its slot frees once it has finished (an
   * executing task once the logical unit lets go of it).
   */
  private void abort(ScsiTask task) {
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

  private void tmfResponse(Pdu request, int response) {
    if (closing) {
      return;
    }
    Pdu pdu = Pdu.of(Opcode.TASK_MGMT_RESPONSE).flags(F_BIT)
        .initiatorTaskTag(request.initiatorTaskTag());
    pdu.byteAt(2, response).intAt(24, statSn++);
    send(stamp(pdu));
    ctx.flush();
  }

  // ---------------------------------------------------------------- NOP, Text, Logout

  private void nopOut(Pdu pdu) {
    if (pdu.initiatorTaskTag() == Pdu.RESERVED_TAG) {
      return; // an answer to our ping, or a ping that wants no answer
    }
    ByteBuffer echo = pdu.data();
    if (echo.remaining() > params.initiatorMaxRecvDataSegmentLength()) {
      echo.limit(echo.position() + params.initiatorMaxRecvDataSegmentLength());
    }
    Pdu nopIn = Pdu.of(Opcode.NOP_IN).flags(F_BIT).lun(pdu.lun())
        .initiatorTaskTag(pdu.initiatorTaskTag());
    nopIn.intAt(20, Pdu.RESERVED_TAG).intAt(24, statSn++).data(echo);
    send(stamp(nopIn));
  }

  private void checkLiveness() {
    if (closing) {
      return;
    }
    long now = ctx.executor().ticker().nanoTime();
    if (pingTag != Pdu.RESERVED_TAG) {
      // The clock starts when the ping has left: behind a long Data-In stream to a slow but
      // live initiator it may sit in our buffer for a while.
      if (pingSentAt != NOT_SENT && now - pingSentAt > target.config().nopTimeout().toNanos()) {
        log.warn("session {}: initiator {} did not answer NOP-In; dropping the connection",
            session.tsih(), session.key().initiatorName());
        endAfterFlush("initiator stopped answering pings");
      }
      return;
    }
    if (now - lastHeard >= target.config().nopInterval().toNanos()) {
      pingTag = nextTransferTag++;
      if (nextTransferTag == Pdu.RESERVED_TAG) {
        nextTransferTag = 1;
      }
      pingSentAt = NOT_SENT;
      int tag = pingTag;
      Pdu ping = Pdu.of(Opcode.NOP_IN).flags(F_BIT).initiatorTaskTag(Pdu.RESERVED_TAG);
      ping.intAt(20, tag).intAt(24, statSn);
      ctx.writeAndFlush(stamp(ping)).addListener(f -> {
        if (f.isSuccess() && pingTag == tag) {
          pingSentAt = ctx.executor().ticker().nanoTime();
        }
      });
    }
  }

  private void text(Pdu pdu) {
    int ttt = pdu.intAt(20);
    if (ttt != Pdu.RESERVED_TAG && ttt == textTransferTag && textOut != null) {
      sendTextChunk(pdu);
      return;
    }
    ByteBuffer data = pdu.data();
    if (textIn.size() + data.remaining() > 64 * 1024) {
      textIn.reset();
      send(reject(REJECT_PROTOCOL_ERROR, pdu.bhs()));
      return;
    }
    byte[] chunk = new byte[data.remaining()];
    data.get(chunk);
    textIn.writeBytes(chunk);
    if ((pdu.flags() & TEXT_CONTINUE) != 0) {
      textTransferTag = nextTransferTag++;
      Pdu more = Pdu.of(Opcode.TEXT_RESPONSE).flags(0).lun(pdu.lun())
          .initiatorTaskTag(pdu.initiatorTaskTag());
      more.intAt(20, textTransferTag).intAt(24, statSn++);
      send(stamp(more));
      return;
    }
    byte[] request = textIn.toByteArray();
    textIn.reset();
    try {
      textOut = ByteBuffer.wrap(textResponder.answer(TextKeys.parse(request)));
    } catch (IllegalArgumentException e) {
      log.warn("session {}: malformed Text Request: {}", session.tsih(), e.getMessage());
      send(reject(REJECT_PROTOCOL_ERROR, pdu.bhs()));
      return;
    }
    sendTextChunk(pdu);
  }

  private void sendTextChunk(Pdu request) {
    int max = params.initiatorMaxRecvDataSegmentLength();
    int length = Math.min(max, textOut.remaining());
    ByteBuffer chunk = textOut.slice(textOut.position(), length);
    textOut.position(textOut.position() + length);
    boolean last = !textOut.hasRemaining();
    Pdu response = Pdu.of(Opcode.TEXT_RESPONSE).lun(request.lun())
        .initiatorTaskTag(request.initiatorTaskTag()).data(chunk);
    if (last) {
      response.flags(F_BIT).intAt(20, Pdu.RESERVED_TAG);
      textOut = null;
      textTransferTag = Pdu.RESERVED_TAG;
    } else {
      textTransferTag = nextTransferTag++;
      response.flags(TEXT_CONTINUE).intAt(20, textTransferTag);
    }
    response.intAt(24, statSn++);
    send(stamp(response));
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
    List<CompletableFuture<Void>> running = new ArrayList<>();
    tasks.values().forEach(t -> running.add(t.finished));
    CompletableFuture.allOf(running.toArray(CompletableFuture[]::new)).whenComplete((v, e) ->
        ctx.executor().execute(() -> {
          if (closing) {
            return;
          }
          if (response == 0) {
            session.releaseNexus();
          }
          Pdu answer = Pdu.of(Opcode.LOGOUT_RESPONSE).flags(F_BIT)
              .initiatorTaskTag(pdu.initiatorTaskTag());
          answer.byteAt(2, response).intAt(24, statSn++);
          send(stamp(answer));
          if (response == 0) {
            endAfterFlush("logout");
          } else {
            ctx.flush();
          }
        }));
  }

  // ---------------------------------------------------------------- errors and plumbing

  private void dataDigestError(Pdu pdu) {
    log.warn("session {}: data digest error on opcode 0x{}", session.tsih(),
        Integer.toHexString(pdu.opcode()));
    send(reject(REJECT_DATA_DIGEST, pdu.bhs()));
    if (pdu.opcode() == Opcode.DATA_OUT) {
      // ErrorRecoveryLevel 0 cannot recover lost Data-Out: the session ends (RFC 7143 7.8).
      endAfterFlush("data digest error in Data-Out");
    }
  }

  private void protocolError(Pdu pdu, String why) {
    log.warn("session {}: protocol error: {}; dropping the connection", session.tsih(), why);
    send(reject(REJECT_PROTOCOL_ERROR, pdu.bhs()));
    endAfterFlush(why);
  }

  private Pdu reject(int reason, byte[] header) {
    Pdu pdu = Pdu.of(Opcode.REJECT).flags(F_BIT).initiatorTaskTag(Pdu.RESERVED_TAG);
    pdu.byteAt(2, reason).intAt(24, statSn++);
    pdu.data(ByteBuffer.wrap(header.clone()));
    return stamp(pdu);
  }

  private Pdu stamp(Pdu pdu) {
    return pdu.intAt(28, window.expCmdSn()).intAt(32, window.maxCmdSn());
  }

  private void send(Pdu pdu) {
    ctx.write(pdu);
  }

  private void endAfterFlush(String why) {
    if (closing) {
      return;
    }
    closing = true;
    ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER)
        .addListener((ChannelFutureListener) f -> session.end(why));
  }
}
