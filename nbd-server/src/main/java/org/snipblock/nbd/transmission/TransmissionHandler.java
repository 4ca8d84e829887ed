package org.snipblock.nbd.transmission;

import org.snipblock.block.ConnectionFailure;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BiConsumer;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.Extent;
import org.snipblock.block.VolumeMdc;
import org.snipblock.nbd.protocol.Nbd;
import org.snipblock.nbd.protocol.NbdErrno;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Executes transmission requests against the device, many at once, replying to each as its
 * future completes. Every reply is a single buffer written in one call, so replies never
 * interleave on the wire. A connection may hold at most {@code maxInFlightRequests} requests and
 * {@code maxInFlightBytes} of data (write payloads held, read data not yet sent); beyond that,
 * requests wait here and the server stops reading from the socket until some complete.
 */
public final class TransmissionHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(TransmissionHandler.class);

  private final ExportSession session;
  private final BlockDevice device;
  private final RequestCheck requestCheck;
  private final ArrayDeque<NbdRequest> waiting = new ArrayDeque<>();
  private ChannelHandlerContext ctx;
  private Replies replies;
  private int inFlight;
  private long inFlightBytes;
  private boolean winding;

  public TransmissionHandler(ExportSession session) {
    this.session = session;
    this.device = session.device();
    this.requestCheck = new RequestCheck(session);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.replies = new Replies(ctx.alloc());
  }

  /** The name of the device this connection serves. */
  public String deviceName() {
    return session.device().name();
  }

  /**
   * Stops reading, lets the requests already received finish, then closes the connection.
   * Safe from any thread; completes when the channel is closed.
   */
  public CompletableFuture<Void> windDown() {
    CompletableFuture<Void> closed = new CompletableFuture<>();
    ctx.channel().closeFuture().addListener(f -> closed.complete(null));
    ctx.executor().execute(() -> {
      winding = true;
      ctx.channel().config().setAutoRead(false);
      closeIfIdle();
    });
    return closed;
  }

  // The event loop serves many connections, each of one volume: its logs name the volume while it
  // works for this one (also what the device does on this thread when asked).
  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try (VolumeMdc v = VolumeMdc.of(device.name())) {
      receive(ctx, (NbdRequest) msg);
    }
  }

  private void receive(ChannelHandlerContext ctx, NbdRequest r) {
    if (r.type() == Nbd.CMD_DISC) {
      winding = true;
      ctx.channel().config().setAutoRead(false);
      closeIfIdle();
      return;
    }
    if (session.serverClosing().get()) {
      // Requests already read when shutdown began are answered, as the protocol asks.
      r.release();
      ctx.writeAndFlush(encode(r, new Rejection(NbdErrno.ESHUTDOWN, "server is shutting down")));
      return;
    }
    if (winding) {
      // Nothing may follow NBD_CMD_DISC.
      r.release();
      return;
    }
    waiting.add(r);
    pump();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    try (VolumeMdc v = VolumeMdc.of(device.name())) {
      NbdRequest r;
      while ((r = waiting.poll()) != null) {
        r.release();
      }
      ctx.fireChannelInactive();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    try (VolumeMdc v = VolumeMdc.of(device.name())) {
      ConnectionFailure.log(log, ctx.channel().remoteAddress() + ": closing NBD connection", cause);
      ctx.close();
    }
  }

  private void pump() {
    NbdRequest r;
    while ((r = waiting.peek()) != null) {
      long cost = cost(r);
      if (inFlight >= session.maxInFlightRequests()
          || (inFlight > 0 && inFlightBytes + cost > session.maxInFlightBytes())) {
        break;
      }
      waiting.poll();
      inFlight++;
      inFlightBytes += cost;
      execute(r, cost);
    }
    boolean room = waiting.isEmpty()
        && inFlight < session.maxInFlightRequests()
        && inFlightBytes < session.maxInFlightBytes();
    if (!winding && ctx.channel().config().isAutoRead() != room) {
      ctx.channel().config().setAutoRead(room);
    }
  }

  private static long cost(NbdRequest r) {
    return r.type() == Nbd.CMD_READ || r.type() == Nbd.CMD_WRITE ? r.length() : 0;
  }

  private void execute(NbdRequest r, long cost) {
    Rejection rejection = requestCheck.check(r);
    if (rejection != null) {
      reject(r, rejection, cost);
      return;
    }
    boolean fua = (r.flags() & Nbd.CMD_FLAG_FUA) != 0;
    switch (r.type()) {
      case Nbd.CMD_READ -> read(r, cost);
      case Nbd.CMD_WRITE -> {
        ByteBuffer data = r.payload().nioBuffer();
        completeOnLoop(device.write(r.offset(), data, fua), r, cost);
      }
      case Nbd.CMD_FLUSH -> completeOnLoop(device.flush(), r, cost);
      case Nbd.CMD_TRIM -> completeOnLoop(device.trim(r.offset(), r.length(), fua), r, cost);
      case Nbd.CMD_WRITE_ZEROES -> {
        // Zeroing here is metadata work on the device, never slower than writing zeroes, so
        // NBD_CMD_FLAG_FAST_ZERO needs no special path.
        boolean mayUnmap = (r.flags() & Nbd.CMD_FLAG_NO_HOLE) == 0;
        completeOnLoop(device.writeZeroes(r.offset(), r.length(), mayUnmap, fua), r, cost);
      }
      // The device has no prefetch hint; a checked, acknowledged CACHE is what the protocol asks.
      case Nbd.CMD_CACHE -> send(replies.simple(r.cookie(), 0), cost);
      case Nbd.CMD_BLOCK_STATUS -> blockStatus(r, cost);
      default -> throw new IllegalStateException("unchecked command " + r.type());
    }
  }

  private void completeOnLoop(CompletableFuture<?> f, NbdRequest r, long cost) {
    onLoop(f, (v, err) -> {
      r.release();
      if (err != null) {
        fail(r, err, cost);
      } else {
        send(replies.simple(r.cookie(), 0), cost);
      }
    });
  }

  /**
   * Reads at least this long ask the device for its allocation first, to send holes as hole
   * chunks. Below it the query costs more than the zeroes it saves: it doubled the device work of
   * 4 KiB random reads.
   */
  public static final int SPARSE_READ_MIN = 32 << 10;

  private void read(NbdRequest r, long cost) {
    int n = (int) r.length();
    boolean sparse = session.structuredReplies() && (r.flags() & Nbd.CMD_FLAG_DF) == 0
        && n >= SPARSE_READ_MIN;
    if (!sparse) {
      readData(r, null, cost);
      return;
    }
    // Allocation failing is no reason to fail the read: it is then sent as data throughout.
    onLoop(device.allocation(r.offset(), n), (extents, err) -> {
      List<Extent> known = err == null ? extents : null;
      if (known != null && known.stream().allMatch(Extent::zero) && covers(known, r)) {
        CompositeByteBuf reply = replies.composite(known.size());
        addChunks(reply, r, known, null);
        send(reply, cost);
      } else {
        readData(r, known, cost);
      }
    });
  }

  private void readData(NbdRequest r, List<Extent> extents, long cost) {
    int n = (int) r.length();
    ByteBuf data = ctx.alloc().buffer(n, n);
    onLoop(device.read(r.offset(), data.nioBuffer(0, n)), (v, err) -> {
      if (err != null) {
        data.release();
        fail(r, err, cost);
        return;
      }
      data.writerIndex(n);
      if (!session.structuredReplies()) {
        send(replies.simpleRead(r.cookie(), data), cost);
        return;
      }
      if (extents == null) {
        // The usual small read: one data chunk of it all, without splitting it into runs.
        CompositeByteBuf reply = replies.composite(1);
        replies.offsetData(reply, r.cookie(), r.offset(), data, true);
        send(reply, cost);
        return;
      }
      CompositeByteBuf reply = replies.composite(extents.size());
      addChunks(reply, r, extents, data);
      data.release();
      send(reply, cost);
    });
  }

  /**
   * Content chunks for a read: a hole chunk for each run known to read as zeroes, data chunks
   * (slices of {@code data}) for the rest. The last chunk carries NBD_REPLY_FLAG_DONE.
   */
  private void addChunks(CompositeByteBuf reply, NbdRequest r, List<Extent> extents, ByteBuf data) {
    long start = r.offset();
    long end = start + r.length();
    List<long[]> runs = new ArrayList<>(); // {offset, length, zero?1:0}
    if (extents != null) {
      for (Extent e : extents) {
        long from = Math.max(e.offset(), start);
        long to = Math.min(e.end(), end);
        if (to > from) {
          runs.add(new long[] {from, to - from, e.zero() ? 1 : 0});
        }
      }
    }
    long covered = runs.isEmpty() ? start : runs.get(runs.size() - 1)[0] + runs.get(runs.size() - 1)[1];
    if (covered < end) {
      runs.add(new long[] {covered, end - covered, 0});
    }
    for (int i = 0; i < runs.size(); i++) {
      long[] run = runs.get(i);
      boolean last = i == runs.size() - 1;
      if (run[2] == 1) {
        replies.offsetHole(reply, r.cookie(), run[0], (int) run[1], last);
      } else {
        ByteBuf slice = data.retainedSlice((int) (run[0] - start), (int) run[1]);
        replies.offsetData(reply, r.cookie(), run[0], slice, last);
      }
    }
  }

  private static boolean covers(List<Extent> extents, NbdRequest r) {
    return !extents.isEmpty()
        && extents.get(0).offset() <= r.offset()
        && extents.get(extents.size() - 1).end() >= r.offset() + r.length();
  }

  /** One chunk per selected context, in the order negotiated; the last one carries DONE. */
  private void blockStatus(NbdRequest r, long cost) {
    // The device answers in whole blocks; widen the query and clip the answer back.
    int bs = device.blockSize();
    long from = r.offset() / bs * bs;
    long to = Math.min(device.size(), (r.offset() + r.length() + bs - 1) / bs * bs);
    long end = r.offset() + r.length();
    boolean one = (r.flags() & Nbd.CMD_FLAG_REQ_ONE) != 0;
    List<Integer> ids = new ArrayList<>();
    List<CompletableFuture<List<long[]>>> parts = new ArrayList<>();
    if (session.metaContextId() != 0) {
      ids.add(session.metaContextId());
      parts.add(device.allocation(from, to - from)
          .thenApply(e -> StatusRuns.allocation(e, r.offset(), end, one)));
    }
    for (ExportSession.ChangedContext c : session.changedContexts()) {
      ids.add(c.id());
      parts.add(device.changedSince(c.snapshot(), from, to - from)
          .thenApply(e -> StatusRuns.changed(e, r.offset(), end, one)));
    }
    onLoop(CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)), (v, err) -> {
      if (err != null) {
        fail(r, err, cost);
        return;
      }
      if (parts.stream().anyMatch(p -> p.join().isEmpty())) {
        fail(r, new IllegalStateException("device described none of the range"), cost);
        return;
      }
      CompositeByteBuf reply = replies.composite(parts.size());
      for (int i = 0; i < parts.size(); i++) {
        reply.addComponent(true, replies.blockStatus(r.cookie(), ids.get(i), parts.get(i).join(),
            i == parts.size() - 1));
      }
      send(reply, cost);
    });
  }

  private void fail(NbdRequest r, Throwable err, long cost) {
    int errno = NbdErrno.of(err);
    Throwable shown = err instanceof CompletionException && err.getCause() != null
        ? err.getCause() : err;
    log.debug("{}: command {} at {} failed: {}", ctx.channel().remoteAddress(), r.type(),
        r.offset(), shown.toString());
    send(encode(r, new Rejection(errno, String.valueOf(shown.getMessage()))), cost);
  }

  private void reject(NbdRequest r, Rejection why, long cost) {
    r.release();
    send(encode(r, why), cost);
  }

  private ByteBuf encode(NbdRequest r, Rejection why) {
    return session.structuredReplies()
        ? replies.error(r.cookie(), why.errno(), why.message())
        : replies.simple(r.cookie(), why.errno());
  }

  /** Writes the reply of an in-flight request; its budget is returned once the bytes are sent. */
  private void send(ByteBuf reply, long cost) {
    ctx.writeAndFlush(reply).addListener(f -> finished(cost));
  }

  private void finished(long cost) {
    inFlight--;
    inFlightBytes -= cost;
    pump();
    closeIfIdle();
  }

  private void closeIfIdle() {
    if (winding && inFlight == 0 && waiting.isEmpty()) {
      ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }

  /** Runs {@code then} on this connection's event loop once {@code f} completes. */
  private <T> void onLoop(CompletableFuture<T> f, BiConsumer<T, Throwable> then) {
    f.whenComplete((v, err) -> {
      Runnable step = () -> {
        try (VolumeMdc volume = VolumeMdc.of(device.name())) {
          then.accept(v, err);
        } catch (RuntimeException bug) {
          // A reply that cannot be built must not leave the client waiting forever.
          log.error("{}: failed to complete a request; closing", ctx.channel().remoteAddress(), bug);
          ctx.close();
        }
      };
      if (ctx.executor().inEventLoop()) {
        step.run();
      } else {
        ctx.executor().execute(step);
      }
    });
  }
}
