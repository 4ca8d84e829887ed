package org.snipblock.cluster.door;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.Context;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.Extent;
import org.snipblock.cluster.proto.VolumeExtent;
import org.snipblock.cluster.proto.ConnectedReply;
import org.snipblock.cluster.proto.ConnectedRequest;
import org.snipblock.cluster.proto.VolumeIoGrpc;
import org.snipblock.cluster.proto.VolumeIoReply;
import org.snipblock.cluster.proto.VolumeIoReply.Status;
import org.snipblock.cluster.proto.VolumeIoRequest;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.replica.Checksums;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The primary's side of the doors: runs requests that other nodes' doors forward on this node's
 * primary device of the volume. A request is refused before it touches the device (reply with
 * {@code attempted = false}) when this node is not the volume's serving primary (one the metadata here
 * names the primary first waits, briefly, for its device to serve), when the volume is
 * unknown here, when it is malformed, or when a payload fails its CRC32C; the door tells the
 * first two apart from the rest and follows the metadata to the new primary. Every failure is an
 * answer on the stream, never its end, so one bad request leaves the server and other requests alone.
 */
public final class VolumeIoService extends VolumeIoGrpc.VolumeIoImplBase {
  private static final Logger log = LoggerFactory.getLogger(VolumeIoService.class);
  /** Largest payload one forwarded request may carry (an NBD request's maximum). */
  public static final int MAX_PAYLOAD = 32 << 20;

  /**
   * How long a forwarded request waits on a node the metadata here names the primary but that
   * does not serve yet (it is opening its device for the new epoch, a handover's last step), rather
   * than being sent back to a door that would try again only after its backoff.
   */
  private static final long SERVING_WAIT_MILLIS = 2000;
  /** Changes of the volume's record one request may see while it waits (each wakes it to look again). */
  private static final int SERVING_WAKES = 8;

  private final DoorRoutes routes;
  private final DoorHandles handles;
  private final Doors doors;
  /** How the primary's device is seen by forwarded requests: the node wraps it to measure them. */
  private volatile UnaryOperator<BlockDevice> forwardedView = UnaryOperator.identity();

  /**
   * @param doors this node's doors: their handles are what {@code Connected} reports, and their
   *              notice of a changed volume (given once the node acted on it) wakes the requests
   *              that wait for this node to serve
   */
  public VolumeIoService(DoorRoutes routes, Doors doors) {
    this.routes = routes;
    this.handles = doors.handles();
    this.doors = doors;
  }

  @Override
  public void connected(ConnectedRequest request, StreamObserver<ConnectedReply> response) {
    long known = routes.volume(request.getVolume()).map(VolumeRecord::getIncarnation).orElse(0L);
    response.onNext(ConnectedReply.newBuilder().setHandles(handles.count(request.getVolume()))
        .setIncarnation(handles.incarnation(request.getVolume(), known)).build());
    response.onCompleted();
  }

  /**
   * Runs every forwarded request on {@code view.apply(device)} from now on (e.g. a device that
   * measures them); the device itself still decides whether this node is the primary.
   */
  public void viewForwardedAs(UnaryOperator<BlockDevice> view) {
    forwardedView = view;
  }

  @Override
  public StreamObserver<VolumeIoRequest> stream(StreamObserver<VolumeIoReply> replies) {
    ServerCallStreamObserver<VolumeIoReply> out = (ServerCallStreamObserver<VolumeIoReply>) replies;
    // Replies to a door that went away are dropped (without a handler, onNext would throw).
    out.setOnCancelHandler(() -> log.debug("a door's request stream was cancelled"));
    return new StreamObserver<>() {
      private int running;
      private boolean ended;

      @Override
      public void onNext(VolumeIoRequest request) {
        synchronized (out) {
          running++;
        }
        answer(request).thenAccept(reply -> {
          synchronized (out) {
            out.onNext(reply.setId(request.getId()).setNode(routes.selfId()).build());
            if (--running == 0 && ended) {
              out.onCompleted();
            }
          }
        });
      }

      @Override
      public void onError(Throwable t) {
        log.debug("a door's request stream broke: {}", t.toString());
      }

      @Override
      public void onCompleted() {
        synchronized (out) {
          ended = true;
          if (running == 0) {
            out.onCompleted();
          }
        }
      }
    };
  }

  /** Every request gets an answer; failures become a status, never an exception on the stream. */
  private CompletableFuture<VolumeIoReply.Builder> answer(VolumeIoRequest request) {
    CompletableFuture<VolumeIoReply.Builder> outcome;
    try {
      // Not in the stream's context: the primary may open replica streams while it runs the request,
      // and those must outlive this stream (a call started in its context is cancelled with it).
      outcome = Context.current().fork().call(() -> execute(request));
    } catch (Exception e) {
      outcome = CompletableFuture.failedFuture(e);
    }
    return outcome.handle((reply, e) -> e != null ? failure(IoStatus.of(e), true, rootMessage(e)) : reply);
  }

  private CompletableFuture<VolumeIoReply.Builder> execute(VolumeIoRequest r) {
    String malformed = malformed(r);
    if (malformed != null) {
      log.warn("forwarded {} on volume '{}' refused: {}", r.getOp(), r.getVolume(), malformed);
      return done(failure(malformed.startsWith("CRC32C") ? Status.BAD_CHECKSUM : Status.INVALID, false, malformed));
    }
    return whenServing(r, System.nanoTime() + SERVING_WAIT_MILLIS * 1_000_000, SERVING_WAKES);
  }

  /** Runs the request once this node serves the volume; refuses it at once unless the metadata here names this node. */
  private CompletableFuture<VolumeIoReply.Builder> whenServing(VolumeIoRequest r, long deadline, int wakes) {
    Optional<BlockDevice> serving = routes.servingPrimary(r.getVolume());
    if (serving.isEmpty()) {
      // Listening, then looking again: a device that starts serving in between still wakes the
      // request. (Only here: a serving primary's requests pay for no listener.)
      CompletableFuture<Void> change = doors.changes().next(r.getVolume());
      serving = routes.servingPrimary(r.getVolume());
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (serving.isEmpty() && wakes > 0 && left > 0 && !doors.closed() && routes.volume(r.getVolume())
          .filter(v -> v.getPrimary().equals(routes.selfId())).isPresent()) {
        return change.completeOnTimeout(null, left, TimeUnit.MILLISECONDS)
            .thenCompose(x -> again(r, deadline, wakes - 1));
      }
      change.complete(null);
    }
    if (serving.isEmpty()) {
      Optional<VolumeRecord> v = routes.volume(r.getVolume());
      return done(v.isEmpty()
          ? failure(Status.UNKNOWN_VOLUME, false, "node " + routes.selfId() + " knows no volume " + r.getVolume())
          : failure(Status.NOT_PRIMARY, false, "node " + routes.selfId() + " is not serving " + r.getVolume()
              + " (the metadata here names " + v.get().getPrimary() + " at epoch " + v.get().getEpoch() + ")"));
    }
    BlockDevice d = serving.get();
    CompletableFuture<VolumeIoReply.Builder> outcome;
    try {
      outcome = run(r, forwardedView.apply(d));
    } catch (RuntimeException e) {
      outcome = CompletableFuture.failedFuture(e);
    }
    return outcome.exceptionally(e -> {
      String why = rootMessage(e);
      // A primary that is closing or fenced fails what it was running (replica links close, quorums
      // break): that is no fault of the request, so the door may take it to the next primary.
      if (routes.servingPrimary(r.getVolume()).filter(now -> now == d).isEmpty()) {
        return failure(Status.NOT_PRIMARY, true, "node " + routes.selfId() + " stopped being the primary of "
            + r.getVolume() + " while the request ran: " + why);
      }
      return failure(IoStatus.of(e), true, why);
    });
  }

  /** Looks again on the doors' thread (a wake comes on the metadata's); a closing node refuses, untouched. */
  private CompletableFuture<VolumeIoReply.Builder> again(VolumeIoRequest r, long deadline, int wakes) {
    CompletableFuture<VolumeIoReply.Builder> out = new CompletableFuture<>();
    try {
      doors.executor().execute(() -> whenServing(r, deadline, wakes).whenComplete((reply, e) -> {
        if (e != null) {
          out.completeExceptionally(e);
        } else {
          out.complete(reply);
        }
      }));
    } catch (RejectedExecutionException e) {
      out.complete(failure(Status.NOT_PRIMARY, false, "node " + routes.selfId() + " is shutting down"));
    }
    return out;
  }

  private static CompletableFuture<VolumeIoReply.Builder> run(VolumeIoRequest r, BlockDevice d) {
    long offset = r.getOffset();
    return switch (r.getOp()) {
      case READ -> {
        ByteBuffer b = ByteBuffer.allocate((int) r.getLength());
        yield d.read(offset, b).thenApply(x -> {
          // The buffer is this request's alone: wrapped, not copied.
          ByteString data = UnsafeByteOperations.unsafeWrap(b.flip());
          return ok().setData(data).setCrc32C(Checksums.crc32c(data));
        });
      }
      case WRITE -> d.write(offset, r.getData().asReadOnlyByteBuffer(), r.getFua()).thenApply(x -> ok());
      case FLUSH -> d.flush().thenApply(x -> ok());
      case TRIM -> d.trim(offset, r.getLength(), r.getFua()).thenApply(x -> ok());
      case ZEROES -> d.writeZeroes(offset, r.getLength(), r.getMayUnmap(), r.getFua()).thenApply(x -> ok());
      case COMPARE_AND_WRITE -> d.compareAndWrite(offset, r.getExpected().asReadOnlyByteBuffer(),
          r.getData().asReadOnlyByteBuffer(), r.getFua()).thenApply(at -> ok().setMiscompare(at));
      case ALLOCATION -> d.allocation(offset, r.getLength()).thenApply(VolumeIoService::extents);
      case CHANGED -> d.changedSince(r.getBase(), offset, r.getLength()).thenApply(VolumeIoService::extents);
      case UNRECOGNIZED -> throw new IllegalStateException("checked above");
    };
  }

  /** Why the request cannot be run at all, or null. Range checks are the device's (BlockRange). */
  private static String malformed(VolumeIoRequest r) {
    if (r.getVolume().isEmpty()) {
      return "no volume named";
    }
    if (r.getOp() == VolumeIoRequest.Op.UNRECOGNIZED) {
      return "unknown operation " + r.getOpValue();
    }
    if (r.getOp() == VolumeIoRequest.Op.READ && (r.getLength() < 0 || r.getLength() > MAX_PAYLOAD)) {
      return "read length " + r.getLength() + " outside 0.." + MAX_PAYLOAD;
    }
    boolean carriesData = r.getOp() == VolumeIoRequest.Op.WRITE || r.getOp() == VolumeIoRequest.Op.COMPARE_AND_WRITE;
    if (carriesData && Checksums.crc32c(r.getData()) != r.getCrc32C()) {
      return "CRC32C of the data does not match: the payload was damaged on its way";
    }
    if (r.getOp() == VolumeIoRequest.Op.COMPARE_AND_WRITE) {
      if (Checksums.crc32c(r.getExpected()) != r.getExpectedCrc32C()) {
        return "CRC32C of the expected data does not match: the payload was damaged on its way";
      }
      if (r.getExpected().size() != r.getData().size()) {
        return "compare and write: expected " + r.getExpected().size() + " bytes, replacement " + r.getData().size();
      }
    }
    return null;
  }

  private static VolumeIoReply.Builder extents(List<Extent> extents) {
    VolumeIoReply.Builder b = ok();
    for (Extent e : extents) {
      b.addExtents(VolumeExtent.newBuilder().setOffset(e.offset()).setLength(e.length()).setHole(e.hole())
          .setZero(e.zero()));
    }
    return b;
  }

  private static VolumeIoReply.Builder ok() {
    return VolumeIoReply.newBuilder().setStatus(Status.OK).setAttempted(true);
  }

  private static VolumeIoReply.Builder failure(Status status, boolean attempted, String message) {
    return VolumeIoReply.newBuilder().setStatus(status).setAttempted(attempted).setMessage(message);
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }

  private static <T> CompletableFuture<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }
}
