package org.snipblock.nbd.handshake;

import org.snipblock.block.ConnectionFailure;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslHandler;
import java.util.ArrayList;
import java.util.List;
import org.snipblock.block.BlockDevice;
import org.snipblock.nbd.NbdServerConfig;
import org.snipblock.nbd.TlsMode;
import org.snipblock.nbd.protocol.Nbd;
import org.snipblock.nbd.transmission.ExportSession;
import org.snipblock.nbd.transmission.RequestDecoder;
import org.snipblock.nbd.transmission.TransmissionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fixed newstyle option haggling for one connection, up to the moment an export is chosen; then
 * it replaces itself and the {@link OptionDecoder} with the transmission pipeline. Which exports
 * the client may see and open is {@link ExportAccess}'s to say.
 */
public final class HandshakeHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(HandshakeHandler.class);

  public static final String OPTION_DECODER = "nbd-options";
  public static final String HANDSHAKE = "nbd-handshake";
  /** Name of the idle timeout that guards haggling; removed once transmission starts. */
  public static final String HANDSHAKE_TIMEOUT = "nbd-handshake-timeout";

  private final ServerContext server;
  private final NbdServerConfig config;
  private OptionReplies replies;
  private boolean greeted;
  private boolean noZeroes;
  private boolean tls;
  private boolean structuredReplies;
  private String metaContextExport;
  /** The contexts the last SET selected; a context's id is its position here plus one. */
  private List<String> selectedContexts = List.of();
  private final CatalogCatchUp catalogCatchUp = new CatalogCatchUp();
  private final ExportAccess exports;

  public HandshakeHandler(ServerContext server) {
    this.server = server;
    this.config = server.config();
    this.exports = new ExportAccess(server.catalog(), config.exportPolicies(), catalogCatchUp);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    replies = new OptionReplies(ctx.alloc());
    // An accepted socket is usually active already when its pipeline is built.
    if (ctx.channel().isActive()) {
      greet(ctx);
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    greet(ctx);
    ctx.fireChannelActive();
  }

  private void greet(ChannelHandlerContext ctx) {
    if (!greeted) {
      greeted = true;
      ctx.writeAndFlush(replies.greeting());
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!catalogCatchUp.held(msg)) {
      handle(ctx, msg);
    }
  }

  private void handle(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof ClientFlags flags) {
      clientFlags(ctx, flags.flags());
      return;
    }
    NbdOption option = (NbdOption) msg;
    boolean again = false;
    if (option.data() != null) {
      option.data().markReaderIndex();
    }
    try {
      option(ctx, option);
    } catch (CatalogCatchUp.Behind behind) {
      again = true;
      catalogCatchUp.await(ctx, behind, option, m -> handle(ctx, m));
    } finally {
      if (!again && option.data() != null) {
        option.data().release();
      }
    }
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    catalogCatchUp.discard();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ConnectionFailure.log(log, ctx.channel().remoteAddress() + ": closing NBD connection during handshake", cause);
    ctx.close();
  }

  private void clientFlags(ChannelHandlerContext ctx, int flags) {
    int known = Nbd.FLAG_C_FIXED_NEWSTYLE | Nbd.FLAG_C_NO_ZEROES;
    if ((flags & Nbd.FLAG_C_FIXED_NEWSTYLE) == 0 || (flags & ~known) != 0) {
      log.info("{}: client flags 0x{} refused (only fixed newstyle is served)",
          ctx.channel().remoteAddress(), Integer.toHexString(flags));
      ctx.close();
      return;
    }
    noZeroes = (flags & Nbd.FLAG_C_NO_ZEROES) != 0;
  }

  private void option(ChannelHandlerContext ctx, NbdOption o) {
    int code = o.code();
    if (code == Nbd.OPT_EXPORT_NAME && (o.tooLong() || refusesBeforeTls() || server.closing().get())) {
      // EXPORT_NAME cannot be answered with an error; the protocol says to end the session.
      ctx.close();
      return;
    }
    if (code == Nbd.OPT_ABORT) {
      ctx.writeAndFlush(replies.ack(code)).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    if (code != Nbd.OPT_STARTTLS && refusesBeforeTls()) {
      reply(ctx, replies.error(code, Nbd.REP_ERR_TLS_REQD, "TLS is required; send NBD_OPT_STARTTLS"));
      return;
    }
    if (server.closing().get()) {
      reply(ctx, replies.error(code, Nbd.REP_ERR_SHUTDOWN, "server is shutting down"));
      return;
    }
    if (o.tooLong()) {
      reply(ctx, replies.error(code, Nbd.REP_ERR_INVALID, "option data too long"));
      return;
    }
    switch (code) {
      case Nbd.OPT_EXPORT_NAME -> exportName(ctx, o.data());
      case Nbd.OPT_LIST -> list(ctx, o);
      case Nbd.OPT_STARTTLS -> startTls(ctx, o);
      case Nbd.OPT_INFO, Nbd.OPT_GO -> infoOrGo(ctx, o);
      case Nbd.OPT_STRUCTURED_REPLY -> structuredReply(ctx, o);
      case Nbd.OPT_LIST_META_CONTEXT, Nbd.OPT_SET_META_CONTEXT -> metaContext(ctx, o);
      default -> reply(ctx, replies.error(code, Nbd.REP_ERR_UNSUP, "option " + code + " is not supported"));
    }
  }

  private boolean refusesBeforeTls() {
    return config.tlsMode() == TlsMode.REQUIRED && !tls;
  }

  private void exportName(ChannelHandlerContext ctx, ByteBuf data) {
    String name = OptionStrings.decode(data);
    ExportResolution export = name == null ? null : exports.resolve(ctx.channel(), name);
    if (export == null || !export.ok()) {
      log.info("{}: NBD_OPT_EXPORT_NAME {} refused: {}", ctx.channel().remoteAddress(), name,
          export == null ? "bad name" : export.message());
      ctx.close();
      return;
    }
    int flags = transmissionFlags(export);
    ctx.write(replies.exportNameReply(export.device().size(), flags, noZeroes));
    enterTransmission(ctx, export, flags, List.of());
  }

  private void list(ChannelHandlerContext ctx, NbdOption o) {
    if (o.length() != 0) {
      reply(ctx, replies.error(o.code(), Nbd.REP_ERR_INVALID, "NBD_OPT_LIST takes no data"));
      return;
    }
    for (String name : exports.listed(ctx.channel())) {
      ctx.write(replies.server(o.code(), name));
    }
    reply(ctx, replies.ack(o.code()));
  }

  private void startTls(ChannelHandlerContext ctx, NbdOption o) {
    if (o.length() != 0) {
      reply(ctx, replies.error(o.code(), Nbd.REP_ERR_INVALID, "NBD_OPT_STARTTLS takes no data"));
    } else if (server.sslContext() == null) {
      reply(ctx, replies.error(o.code(), Nbd.REP_ERR_POLICY, "TLS is not enabled on this server"));
    } else if (tls) {
      reply(ctx, replies.error(o.code(), Nbd.REP_ERR_INVALID, "TLS is already active"));
    } else {
      // The ACK leaves in plaintext (it is already queued at the head) before TLS is inserted.
      reply(ctx, replies.ack(o.code()));
      SslHandler ssl = server.sslContext().newHandler(ctx.alloc());
      ctx.pipeline().addFirst("tls", ssl);
      tls = true;
      // Whatever was negotiated in plaintext is not trusted after the upgrade.
      structuredReplies = false;
      metaContextExport = null;
      selectedContexts = List.of();
    }
  }

  private void infoOrGo(ChannelHandlerContext ctx, NbdOption o) {
    int code = o.code();
    InfoRequest request = InfoRequest.parse(o.data());
    if (request == null) {
      reply(ctx, replies.error(code, Nbd.REP_ERR_INVALID, "malformed NBD_OPT_INFO/GO data"));
      return;
    }
    ExportResolution export = exports.resolve(ctx.channel(), request.exportName());
    if (!export.ok()) {
      reply(ctx, replies.error(code, export.errorType(), export.message()));
      return;
    }
    BlockDevice device = export.device();
    int flags = transmissionFlags(export);
    ctx.write(replies.infoExport(code, device.size(), flags));
    if (request.infoTypes().contains(Nbd.INFO_NAME)) {
      ctx.write(replies.infoText(code, Nbd.INFO_NAME, device.name()));
    }
    String description = export.policy().description();
    if (request.infoTypes().contains(Nbd.INFO_DESCRIPTION) && description != null && !description.isEmpty()) {
      ctx.write(replies.infoText(code, Nbd.INFO_DESCRIPTION, description));
    }
    int block = device.blockSize();
    ctx.write(replies.infoBlockSize(code, block, Math.max(block, 4096), config.maxRequestSize()));
    ctx.write(replies.ack(code));
    if (code == Nbd.OPT_INFO) {
      device.close();
      ctx.flush();
      return;
    }
    boolean contextsApply = request.exportName().equals(metaContextExport);
    enterTransmission(ctx, export, flags, contextsApply ? selectedContexts : List.of());
  }

  private void structuredReply(ChannelHandlerContext ctx, NbdOption o) {
    if (o.length() != 0) {
      reply(ctx, replies.error(o.code(), Nbd.REP_ERR_INVALID, "NBD_OPT_STRUCTURED_REPLY takes no data"));
      return;
    }
    structuredReplies = true;
    reply(ctx, replies.ack(o.code()));
  }

  private void metaContext(ChannelHandlerContext ctx, NbdOption o) {
    int code = o.code();
    if (!structuredReplies) {
      reply(ctx, replies.error(code, Nbd.REP_ERR_INVALID, "negotiate structured replies first"));
      return;
    }
    MetaContextRequest request = MetaContextRequest.parse(o.data());
    if (request == null) {
      reply(ctx, replies.error(code, Nbd.REP_ERR_INVALID, "malformed meta context data"));
      return;
    }
    // The export is opened to ask it for its snapshots, and to refuse names no client may use.
    ExportResolution export = exports.resolve(ctx.channel(), request.exportName());
    if (!export.ok()) {
      reply(ctx, replies.error(code, export.errorType(), export.message()));
      return;
    }
    boolean list = code == Nbd.OPT_LIST_META_CONTEXT;
    List<String> contexts;
    try {
      contexts = MetaContexts.answer(request, list, changeBases(ctx, export.device()));
    } finally {
      export.device().close();
    }
    for (int i = 0; i < contexts.size(); i++) {
      ctx.write(replies.metaContext(code, list ? 0 : i + 1, contexts.get(i)));
    }
    if (!list) {
      metaContextExport = request.exportName();
      selectedContexts = contexts;
    }
    reply(ctx, replies.ack(code));
  }

  /** The snapshots an export can report changes against; none if it keeps no history. */
  private static List<String> changeBases(ChannelHandlerContext ctx, BlockDevice device) {
    try {
      return device.changeBases();
    } catch (RuntimeException e) {
      log.warn("{}: cannot list the snapshots of export {}: {}", ctx.channel().remoteAddress(), device.name(),
          e.toString());
      return List.of();
    }
  }

  private int transmissionFlags(ExportResolution export) {
    int flags = Nbd.FLAG_HAS_FLAGS | Nbd.FLAG_SEND_FLUSH | Nbd.FLAG_SEND_FUA
        | Nbd.FLAG_CAN_MULTI_CONN | Nbd.FLAG_SEND_CACHE;
    if (export.readOnly()) {
      flags |= Nbd.FLAG_READ_ONLY;
    } else {
      flags |= Nbd.FLAG_SEND_TRIM | Nbd.FLAG_SEND_WRITE_ZEROES | Nbd.FLAG_SEND_FAST_ZERO;
    }
    if (structuredReplies) {
      flags |= Nbd.FLAG_SEND_DF;
    }
    return flags;
  }

  private void enterTransmission(
      ChannelHandlerContext ctx, ExportResolution export, int flags, List<String> contexts) {
    int baseId = 0;
    List<ExportSession.ChangedContext> changed = new ArrayList<>();
    for (int i = 0; i < contexts.size(); i++) {
      String c = contexts.get(i);
      if (c.equals(Nbd.BASE_ALLOCATION)) {
        baseId = i + 1;
      } else {
        changed.add(new ExportSession.ChangedContext(i + 1, c.substring(MetaContexts.CHANGED.length())));
      }
    }
    ExportSession session = new ExportSession(export.device(), export.readOnly(), structuredReplies,
        baseId, changed, flags, config.maxRequestSize(),
        config.maxInFlightRequests(), config.maxInFlightBytes(), server.closing());
    BlockDevice device = export.device();
    ctx.channel().closeFuture().addListener(f -> device.close());
    log.debug("{}: transmission on export {} (flags 0x{})", ctx.channel().remoteAddress(),
        device.name(), Integer.toHexString(flags));
    ctx.pipeline().addAfter(OPTION_DECODER, "nbd-flush", new FlushConsolidationHandler(64, true));
    ctx.pipeline().addAfter("nbd-flush", "nbd-requests", new RequestDecoder(config.maxRequestSize()));
    ctx.pipeline().addAfter("nbd-requests", "nbd-transmission", new TransmissionHandler(session));
    ctx.flush();
    ctx.pipeline().remove(this);
    if (ctx.pipeline().get(HANDSHAKE_TIMEOUT) != null) {
      ctx.pipeline().remove(HANDSHAKE_TIMEOUT);
    }
    // Removing the decoder hands any bytes it already holds (early requests) to the new one.
    ctx.pipeline().remove(OPTION_DECODER);
  }

  private void reply(ChannelHandlerContext ctx, ByteBuf reply) {
    ctx.writeAndFlush(reply);
  }
}
