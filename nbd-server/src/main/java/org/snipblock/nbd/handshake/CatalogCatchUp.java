package org.snipblock.nbd.handshake;

import io.netty.channel.ChannelHandlerContext;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.snipblock.block.BlockDeviceCatalog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection's one wait for its node's catalog to catch up ({@link BlockDeviceCatalog#catchUp}):
 * a client asking a cluster node for a volume created a moment ago through another node gets it,
 * not "no export". The option that named the unknown export is handled again once the catalog
 * has caught up; options that arrive meanwhile wait behind it, in order.
 */
final class CatalogCatchUp {
  private static final Logger log = LoggerFactory.getLogger(CatalogCatchUp.class);

  /** Unwinds an option's handling, before it answered anything, to wait for the catalog. */
  static final class Behind extends RuntimeException {
    private final transient CompletableFuture<Void> caughtUp;

    Behind(CompletableFuture<Void> caughtUp) {
      super(null, null, false, false);
      this.caughtUp = caughtUp;
    }
  }

  private final ArrayDeque<Object> held = new ArrayDeque<>();
  private boolean asked;
  private boolean waiting;

  /**
   * Throws {@link Behind} the first time this connection misses a name in a catalog that may lag
   * (or is about to list it); returns (the miss is final) once it has waited, or when the catalog
   * never lags.
   */
  void missed(BlockDeviceCatalog catalog) {
    if (asked) {
      return;
    }
    asked = true;
    CompletableFuture<Void> caughtUp = catalog.catchUp();
    if (caughtUp != null) {
      throw new Behind(caughtUp);
    }
  }

  /** Keeps the message for later if an option is waiting for the catalog. */
  boolean held(Object msg) {
    if (waiting) {
      held.add(msg);
    }
    return waiting;
  }

  /** Stops reading, and once the catalog caught up (or could not) handles the option, then what was held. */
  void await(ChannelHandlerContext ctx, Behind behind, NbdOption option, Consumer<Object> handle) {
    waiting = true;
    ctx.channel().config().setAutoRead(false);
    behind.caughtUp.whenComplete((ok, failed) -> ctx.executor().execute(() -> {
      waiting = false;
      if (failed != null) {
        log.debug("{}: catalog not caught up ({}); the export is unknown", ctx.channel().remoteAddress(),
            failed.toString());
      }
      if (ctx.isRemoved() || !ctx.channel().isActive()) {
        release(option);
        discard();
        return;
      }
      ctx.channel().config().setAutoRead(true);
      if (option.data() != null) {
        option.data().resetReaderIndex();
      }
      handle.accept(option);
      while (!waiting && !held.isEmpty()) {
        handle.accept(held.poll());
      }
    }));
  }

  /** Releases what was held (the connection closed or moved on). */
  void discard() {
    while (!held.isEmpty()) {
      if (held.poll() instanceof NbdOption o) {
        release(o);
      }
    }
  }

  private static void release(NbdOption option) {
    if (option.data() != null) {
      option.data().release();
    }
  }
}
