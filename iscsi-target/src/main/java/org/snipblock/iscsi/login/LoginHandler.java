package org.snipblock.iscsi.login;

import org.snipblock.block.ConnectionFailure;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snipblock.block.VolumeMdc;
import org.snipblock.iscsi.TargetAccess;
import org.snipblock.iscsi.pdu.ConnectionCodecState;
import org.snipblock.iscsi.pdu.Opcode;
import org.snipblock.iscsi.pdu.Pdu;
import org.snipblock.iscsi.pdu.PduFormatException;
import org.snipblock.iscsi.pdu.TextKeys;
import org.snipblock.iscsi.scsi.ItNexus;
import org.snipblock.iscsi.scsi.LogicalUnit;
import org.snipblock.iscsi.session.FullFeatureHandler;
import org.snipblock.iscsi.session.Session;
import org.snipblock.iscsi.session.SessionKey;
import org.snipblock.iscsi.session.SessionParameters;
import org.snipblock.iscsi.session.TargetContext;

/**
 * The login phase of one connection (RFC 7143 sections 6 and 11.12-11.13): stage transitions,
 * text continuation, security and operational negotiation, session creation or reinstatement.
 * On success it hands the connection to a {@link FullFeatureHandler}; on failure it answers
 * with the login status, logs why, and closes.
 */
public final class LoginHandler extends SimpleChannelInboundHandler<Pdu> {
  private static final Logger log = LoggerFactory.getLogger(LoginHandler.class);
  private static final int T_BIT = 0x80;
  private static final int C_BIT = 0x40;
  private static final int SECURITY = 0;
  private static final int OPERATIONAL = 1;
  private static final int FULL_FEATURE = 3;

  private final TargetContext target;
  private final ConnectionCodecState codec;
  private final LoginText requestText = new LoginText();

  private boolean first = true;
  /** Whether this connection waited once for the catalog to catch up (a later miss is final). */
  private boolean askedCatalog;
  private int stage;
  private long isid;
  private int itt;
  private int cid;
  private int cmdSn;
  private int statSn = ThreadLocalRandom.current().nextInt();
  private String initiatorName;
  private String targetName = "";
  private boolean discovery;
  /** The portal group this session logs in through (its target port), fixed at the login's start. */
  private int portalGroupTag;
  private boolean declaredLimits;
  private ChapAuthenticator security;
  private OperationalNegotiator negotiator;
  private ScheduledFuture<?> deadline;

  public LoginHandler(TargetContext target, ConnectionCodecState codec) {
    this.target = target;
    this.codec = codec;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    long timeout = target.config().nopTimeout().toMillis();
    deadline = ctx.executor().schedule(() -> {
      log.warn("login from {} not completed within {} ms; closing", ctx.channel().remoteAddress(),
          timeout);
      ctx.close();
    }, timeout, TimeUnit.MILLISECONDS);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    if (deadline != null) {
      deadline.cancel(false);
    }
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, Pdu pdu) {
    if (pdu.opcode() != Opcode.LOGIN_REQUEST) {
      log.warn("{} sent opcode 0x{} before login completed; closing",
          ctx.channel().remoteAddress(), Integer.toHexString(pdu.opcode()));
      ctx.close();
      return;
    }
    try {
      login(ctx, pdu);
    } catch (LoginException e) {
      refuse(ctx, pdu, e);
    } catch (CatalogBehind behind) {
      // Asked again once this node's catalog caught up: the target may have been created a moment
      // ago through another node. The initiator waits for the answer to its login meanwhile.
      pdu.retain();
      ctx.channel().config().setAutoRead(false);
      behind.caughtUp.whenComplete((ok, failed) -> ctx.executor().execute(() -> {
        try {
          if (ctx.channel().isActive()) {
            ctx.channel().config().setAutoRead(true);
            channelRead0(ctx, pdu);
          }
        } finally {
          pdu.release();
        }
      }));
    }
  }

  /**
   * The first time on this connection, and where the catalog may lag, unwinds the login request to
   * handle it again once the catalog caught up ({@link CatalogBehind}); otherwise returns.
   */
  private void waitForCatalogOnce() {
    if (askedCatalog) {
      return;
    }
    askedCatalog = true;
    CompletableFuture<Void> caughtUp = target.catalogCatchUp();
    if (caughtUp != null) {
      throw new CatalogBehind(caughtUp);
    }
  }

  /** Unwinds a first login request that named a target this node's catalog may not know yet. */
  private static final class CatalogBehind extends RuntimeException {
    private final transient CompletableFuture<Void> caughtUp;

    CatalogBehind(CompletableFuture<Void> caughtUp) {
      super(null, null, false, false);
      this.caughtUp = caughtUp;
    }
  }

  private void refuse(ChannelHandlerContext ctx, Pdu request, LoginException e) {
    log.warn("login refused for {} ({}) to {}: status 0x{}: {}", initiatorName,
        ctx.channel().remoteAddress(), targetName.isEmpty() ? "(discovery)" : targetName,
        String.format("%04x", e.status()), e.getMessage());
    Pdu response = response(request, 0, 0);
    response.byteAt(36, e.status() >>> 8).byteAt(37, e.status() & 0xff).shortAt(14, 0);
    ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ConnectionFailure.log(log, "login connection " + ctx.channel().remoteAddress() + " dropped", cause,
        PduFormatException.class);
    ctx.close();
  }

  private void login(ChannelHandlerContext ctx, Pdu pdu) throws LoginException {
    int flags = pdu.flags();
    boolean transit = (flags & T_BIT) != 0;
    boolean more = (flags & C_BIT) != 0;
    int csg = (flags >>> 2) & 3;
    int nsg = flags & 3;
    if (pdu.byteAt(3) > 0) {
      throw new LoginException(LoginStatus.UNSUPPORTED_VERSION,
          "Version-min " + pdu.byteAt(3) + " not supported");
    }
    long pduIsid = pdu.longAt(8) >>> 16;
    if (first) {
      isid = pduIsid;
      itt = pdu.initiatorTaskTag();
      cid = pdu.shortAt(20);
      cmdSn = pdu.intAt(24);
      stage = csg;
    } else if (pduIsid != isid || pdu.initiatorTaskTag() != itt) {
      throw new LoginException(LoginStatus.INITIATOR_ERROR, "ISID or ITT changed during login");
    }
    if (csg != stage || csg > OPERATIONAL
        || (transit && (more || nsg == 2 || nsg <= csg))) {
      throw new LoginException(LoginStatus.INITIATOR_ERROR,
          "bad stage transition CSG=" + csg + " NSG=" + nsg + " T=" + transit + " C=" + more
              + " (current stage " + stage + ")");
    }
    requestText.add(pdu.data());
    if (more) {
      // RFC 7143 6.3: acknowledge a partial text with an empty response, stage unchanged.
      ctx.writeAndFlush(response(pdu, stage << 2, 0));
      return;
    }
    Map<String, String> keys = requestText.keys();
    List<Map.Entry<String, String>> answers = new ArrayList<>();
    if (first) {
      try {
        start(ctx, pdu, keys, answers);
      } catch (CatalogBehind behind) {
        // The request is handled again whole: the text as it was before this PDU's part.
        requestText.takeBackLast();
        throw behind;
      }
      first = false;
    } else {
      checkNamesUnchanged(keys);
    }
    Map<String, String> securityKeys = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : keys.entrySet()) {
      String key = e.getKey();
      if (key.equals("AuthMethod") || key.startsWith("CHAP_")) {
        if (stage != SECURITY) {
          throw new LoginException(LoginStatus.INITIATOR_ERROR, key + " outside security stage");
        }
        securityKeys.put(key, e.getValue());
      } else if (OperationalNegotiator.handles(key)) {
        negotiator.answer(key, e.getValue(), answers);
      }
    }
    if (stage == SECURITY) {
      security.process(securityKeys, answers);
    } else if (security.required() && !security.done()) {
      throw new LoginException(LoginStatus.AUTHENTICATION_FAILURE,
          "security stage skipped but the target requires CHAP");
    }
    boolean advance = transit && (stage != SECURITY || security.done());
    if (transit && stage == SECURITY && !security.done() && securityKeys.isEmpty()) {
      throw new LoginException(LoginStatus.AUTHENTICATION_FAILURE,
          "initiator wants to leave the security stage without authenticating");
    }
    if (!declaredLimits && (stage == OPERATIONAL || (advance && nsg == FULL_FEATURE))) {
      answers.add(Map.entry("MaxRecvDataSegmentLength",
          Integer.toString(target.config().negotiation().maxRecvDataSegmentLength())));
      declaredLimits = true;
    }
    byte[] text = TextKeys.encode(answers);
    if (text.length > ConnectionCodecState.LOGIN_MAX_DATA_SEGMENT) {
      throw new LoginException(LoginStatus.TARGET_ERROR, "login response too long");
    }
    int responseFlags = (stage << 2) | (advance ? T_BIT | nsg : 0);
    Pdu response = response(pdu, responseFlags, 0).data(ByteBuffer.wrap(text));
    if (advance && nsg == FULL_FEATURE) {
      enterFullFeature(ctx, pdu, response);
      return;
    }
    if (advance) {
      stage = nsg;
    }
    ctx.writeAndFlush(response);
  }

  /** First request: who is calling, for what, and may they. */
  private void start(ChannelHandlerContext ctx, Pdu pdu, Map<String, String> keys,
      List<Map.Entry<String, String>> answers) throws LoginException {
    initiatorName = keys.get("InitiatorName");
    if (initiatorName == null || initiatorName.isEmpty()) {
      throw new LoginException(LoginStatus.MISSING_PARAMETER, "no InitiatorName");
    }
    String type = keys.getOrDefault("SessionType", "Normal");
    TargetAccess access;
    if (type.equals("Discovery")) {
      discovery = true;
      access = target.config().discoveryAccess();
      // SendTargets will list the catalog: caught up first, it lists targets created a moment ago
      // through other nodes too.
      waitForCatalogOnce();
    } else if (type.equals("Normal")) {
      String named = keys.get("TargetName");
      if (named == null || named.isEmpty()) {
        throw new LoginException(LoginStatus.MISSING_PARAMETER, "no TargetName");
      }
      targetName = named;
      if (!target.exists(targetName)) {
        waitForCatalogOnce();
        throw new LoginException(LoginStatus.NOT_FOUND, "no such target");
      }
      access = target.access(targetName);
    } else {
      throw new LoginException(LoginStatus.SESSION_TYPE_NOT_SUPPORTED, "SessionType " + type);
    }
    if (!access.admits(initiatorName)) {
      throw new LoginException(LoginStatus.AUTHORIZATION_FAILURE,
          "initiator not in the target's ACL");
    }
    int tsih = pdu.shortAt(14);
    if (tsih != 0) {
      if (target.sessions().byTsih(tsih) == null) {
        throw new LoginException(LoginStatus.SESSION_DOES_NOT_EXIST, "TSIH " + tsih);
      }
      throw new LoginException(LoginStatus.TOO_MANY_CONNECTIONS,
          "MaxConnections is 1; TSIH " + tsih + " already has its connection");
    }
    security = new ChapAuthenticator(access);
    negotiator = new OperationalNegotiator(target.config().negotiation(), discovery);
    if (!discovery) {
      portalGroupTag = target.portalGroupTag();
      if (portalGroupTag == 0) {
        // A cluster node not registered yet cannot name its target port: the initiator retries.
        throw new LoginException(LoginStatus.SERVICE_UNAVAILABLE, "this node's portal group is not known yet");
      }
      answers.add(Map.entry("TargetPortalGroupTag", Integer.toString(portalGroupTag)));
    }
    log.debug("login from {} ({}) to {}", initiatorName, ctx.channel().remoteAddress(),
        discovery ? "(discovery)" : targetName);
  }

  private void checkNamesUnchanged(Map<String, String> keys) throws LoginException {
    String name = keys.get("InitiatorName");
    String tn = keys.get("TargetName");
    String type = keys.get("SessionType");
    if ((name != null && !name.equals(initiatorName))
        || (tn != null && !tn.equals(targetName))
        || (type != null && !type.equals(discovery ? "Discovery" : "Normal"))) {
      throw new LoginException(LoginStatus.INITIATOR_ERROR, "naming keys changed during login");
    }
  }

  private void enterFullFeature(ChannelHandlerContext ctx, Pdu request, Pdu response) {
    if (discovery) {
      finishLogin(ctx, request, response, null, null);
      return;
    }
    // Opening a device may block (a replicated volume finds its replicas): not on this loop.
    ctx.channel().config().setAutoRead(false);
    target.logicalUnitAsync(targetName).whenComplete((unit, failure) ->
        ctx.executor().execute(() -> {
          ctx.channel().config().setAutoRead(true);
          if (!ctx.channel().isActive()) {
            if (unit != null) {
              unit.ifPresent(target::release);
            }
            return;
          }
          if (failure != null || unit.isEmpty()) {
            refuse(ctx, request, new LoginException(
                failure != null ? LoginStatus.TARGET_ERROR : LoginStatus.NOT_FOUND,
                failure != null ? "cannot open the device: " + failure : "target vanished"));
            return;
          }
          // Asked again now: access may have been revoked since the login started (a fenced host),
          // and a revoke closes only the sessions registered when it is applied.
          if (!target.access(targetName).admits(initiatorName)) {
            target.release(unit.get());
            refuse(ctx, request, new LoginException(LoginStatus.AUTHORIZATION_FAILURE,
                "initiator no longer in the target's ACL"));
            return;
          }
          finishLogin(ctx, request, response, unit.get(),
              new ItNexus(initiatorName, isid, targetName, portalGroupTag));
        }));
  }

  private void finishLogin(ChannelHandlerContext ctx, Pdu request, Pdu response,
      LogicalUnit unit, ItNexus nexus) {
    SessionParameters parameters = negotiator.result();
    Session session = target.sessions().open(new SessionKey(initiatorName, isid, targetName),
        parameters, unit, nexus, ctx.channel());
    response.shortAt(14, session.tsih());
    int nextStatSn = statSn;
    ctx.writeAndFlush(response);
    // Digests apply from the first PDU after the final Login Response, in both directions.
    codec.enterFullFeaturePhase(parameters.headerDigest(), parameters.dataDigest(),
        parameters.targetMaxRecvDataSegmentLength());
    try (VolumeMdc v = VolumeMdc.of(discovery ? null : target.config().deviceName(targetName))) {
      log.info("{} logged in to {} (TSIH {}, {})", initiatorName,
          discovery ? "discovery" : targetName, session.tsih(), parameters);
    }
    ctx.pipeline().replace(this, "full-feature",
        new FullFeatureHandler(target, session, cid, cmdSn, nextStatSn));
  }

  /** A Login Response echoing the request's identity, carrying the next StatSN. */
  private Pdu response(Pdu request, int flags, int status) {
    Pdu r = Pdu.of(Opcode.LOGIN_RESPONSE).flags(flags);
    r.byteAt(2, 0).byteAt(3, 0);
    System.arraycopy(request.bhs(), 8, r.bhs(), 8, 8);
    r.initiatorTaskTag(request.initiatorTaskTag());
    r.intAt(24, statSn++);
    r.intAt(28, cmdSn);
    r.intAt(32, cmdSn + target.config().commandWindow() - 1);
    r.byteAt(36, status >>> 8).byteAt(37, status & 0xff);
    return r;
  }
}
