package org.snipblock.cluster.door;

import io.grpc.Status;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.block.BlockDeviceException.Kind;
import org.snipblock.cluster.proto.VolumeIoReply;
import org.snipblock.cluster.proto.VolumeIoRequest;
import org.snipblock.cluster.proto.VolumeRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request through a door, until it has an answer: run on this node's primary device, or sent
 * to the primary the metadata names; when that primary is gone, fenced or not yet serving, wait for
 * the metadata to change (or a short backoff, doubling up to a second) and go again, until the
 * doors' window has passed.
 *
 * <p>Going again is safe for every request that either surely did not run (the primary refused it
 * before touching its device, or it was never sent) or is idempotent (read, write, zeroes, trim,
 * flush: the same bytes at the same offset). A compare-and-write whose outcome is unknown (the
 * primary died or was fenced while it ran) is not repeated: it fails, and the initiator decides.
 */
final class DoorCall<T> {
  private static final Logger log = LoggerFactory.getLogger(DoorCall.class);
  private static final long MAX_BACKOFF_MILLIS = 1000;

  private final Doors doors;
  private final String volume;
  private final boolean idempotent;
  private final Supplier<VolumeIoRequest> request;
  private final Function<BlockDevice, CompletableFuture<T>> local;
  private final Function<VolumeIoReply, T> remote;
  private final CompletableFuture<T> result = new CompletableFuture<>();
  private final long deadline;
  private VolumeIoRequest built;
  private long backoffMillis = 20;
  private int attempts;

  /**
   * @param request builds the forwarded form (only if the request is forwarded)
   * @param local   runs the request on this node's primary device
   * @param remote  turns the primary's OK reply into the result (may throw BlockDeviceException)
   */
  DoorCall(Doors doors, String volume, boolean idempotent, Supplier<VolumeIoRequest> request,
      Function<BlockDevice, CompletableFuture<T>> local, Function<VolumeIoReply, T> remote) {
    this.doors = doors;
    this.volume = volume;
    this.idempotent = idempotent;
    this.request = request;
    this.local = local;
    this.remote = remote;
    this.deadline = System.nanoTime() + doors.window().toNanos();
  }

  CompletableFuture<T> start() {
    attempt();
    return result;
  }

  private void attempt() {
    attempts++;
    if (doors.closed()) {
      fail(Kind.UNAVAILABLE, "volume " + volume + ": this node is shutting down");
      return;
    }
    DoorRoutes routes = doors.routes();
    Optional<VolumeRecord> known = routes.volume(volume);
    if (known.isEmpty()) {
      fail(Kind.UNAVAILABLE, "volume " + volume + " no longer exists");
      return;
    }
    VolumeRecord v = known.get();
    String primary = v.getPrimary();
    if (primary.equals(routes.selfId())) {
      Optional<BlockDevice> device = routes.servingPrimary(volume);
      if (device.isEmpty()) {
        retry(v, "this node is named primary at epoch " + v.getEpoch() + " but does not serve yet");
        return;
      }
      runLocally(v, device.get());
      return;
    }
    if (!routes.reachable(primary)) {
      retry(v, "primary " + primary + " is not in this node's view");
      return;
    }
    PrimaryStream stream;
    try {
      stream = doors.streamTo(primary);
    } catch (RuntimeException e) {
      retry(v, "no way to primary " + primary + ": " + e.getMessage());
      return;
    }
    forward(v, primary, stream);
  }

  private void runLocally(VolumeRecord v, BlockDevice device) {
    CompletableFuture<T> f;
    try {
      f = local.apply(device);
    } catch (RuntimeException e) {
      f = CompletableFuture.failedFuture(e);
    }
    f.whenComplete((x, e) -> {
      if (e == null) {
        result.complete(x);
        return;
      }
      Kind k = BlockDeviceException.kindOf(e);
      // A primary that is closing or fenced fails what it was running; that is no fault of the request.
      boolean steppedDown = doors.routes().servingPrimary(volume).filter(now -> now == device).isEmpty();
      if (idempotent && (k == Kind.NOT_PRIMARY || k == Kind.UNAVAILABLE || steppedDown)) {
        retry(v, "this node stopped being primary: " + e.getMessage());
      } else {
        result.completeExceptionally(e);
      }
    });
  }

  private void forward(VolumeRecord v, String primary, PrimaryStream stream) {
    if (built == null) {
      built = request.get();
    }
    long left = Math.max(TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()), 1000);
    long timeout = Math.min(doors.callTimeout().toMillis(), left);
    stream.send(built).orTimeout(timeout, TimeUnit.MILLISECONDS).whenComplete((reply, e) -> {
      if (e == null) {
        answered(v, primary, reply);
        return;
      }
      // The stream broke or the reply is overdue: whether the primary ran the request is unknown.
      Throwable t = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
      Status s = t instanceof java.util.concurrent.TimeoutException
          ? Status.DEADLINE_EXCEEDED.withDescription("no reply within " + timeout + " ms") : Status.fromThrowable(t);
      String why = "primary " + primary + ": " + s.getCode() + " " + s.getDescription();
      if (s.getCode() == Status.Code.UNIMPLEMENTED) {
        fail(Kind.IO_ERROR, "volume " + volume + ": " + why);
      } else if (idempotent) {
        retry(v, why);
      } else {
        fail(Kind.UNAVAILABLE, "volume " + volume + ": not repeated, its outcome is unknown (" + why + ")");
      }
    });
  }

  private void answered(VolumeRecord v, String primary, VolumeIoReply reply) {
    if (reply.getStatus() == VolumeIoReply.Status.OK) {
      try {
        result.complete(remote.apply(reply));
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
      }
    } else if (IoStatus.followsPrimary(reply.getStatus()) && (idempotent || !reply.getAttempted())) {
      retry(v, "primary " + primary + ": " + reply.getStatus() + " " + reply.getMessage());
    } else {
      fail(IoStatus.kind(reply.getStatus()), "volume " + volume + " on " + primary + ": " + reply.getMessage());
    }
  }

  /** Waits for the metadata to change the volume, or a backoff, whichever comes first; then goes again. */
  private void retry(VolumeRecord used, String why) {
    if (System.nanoTime() - deadline >= 0) {
      fail(Kind.UNAVAILABLE, "volume " + volume + ": no primary took the request within " + doors.window()
          + " (" + attempts + " attempts; last: " + why + ")");
      return;
    }
    log.debug("volume {}: going again ({})", volume, why);
    CompletableFuture<Void> wake = doors.changes().next(volume);
    wake.thenRun(this::kick);
    if (doors.routes().volume(volume).map(r -> r.getVersion() != used.getVersion()).orElse(true)) {
      wake.complete(null);
      return;
    }
    long delay = backoffMillis;
    backoffMillis = Math.min(backoffMillis * 2, MAX_BACKOFF_MILLIS);
    try {
      doors.executor().schedule(() -> wake.complete(null), delay, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      fail(Kind.UNAVAILABLE, "volume " + volume + ": this node is shutting down");
    }
  }

  private void kick() {
    try {
      doors.executor().execute(this::attempt);
    } catch (RejectedExecutionException e) {
      fail(Kind.UNAVAILABLE, "volume " + volume + ": this node is shutting down");
    }
  }

  private void fail(Kind kind, String message) {
    result.completeExceptionally(new BlockDeviceException(kind, message));
  }
}
