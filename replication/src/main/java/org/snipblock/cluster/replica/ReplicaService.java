package org.snipblock.cluster.replica;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.block.BlockDeviceException.Kind;
import org.snipblock.cluster.proto.DigestReply;
import org.snipblock.cluster.proto.DigestRequest;
import org.snipblock.cluster.proto.ReadReply;
import org.snipblock.cluster.proto.ReadRequest;
import org.snipblock.cluster.proto.ReplicaAck;
import org.snipblock.cluster.proto.ReplicaOp;
import org.snipblock.cluster.proto.ReplicaState;
import org.snipblock.cluster.proto.ReplicaStateRequest;
import org.snipblock.cluster.proto.ReplicationGrpc;
import org.snipblock.cluster.proto.SnapshotNames;
import org.snipblock.store.qos.ClientLoad;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replica side of the data path: applies the primary's sequenced operations to this node's
 * local copy in sequence order and acknowledges them in that order. Refuses operations from a
 * stale epoch, operations whose payload fails its CRC32C, and everything while this node is cut
 * off from the metadata majority.
 */
public final class ReplicaService extends ReplicationGrpc.ReplicationImplBase {
  private static final Logger log = LoggerFactory.getLogger(ReplicaService.class);
  private static final long MAX_DIGEST_BYTES = 64L << 20;

  /** Per volume: the highest epoch seen and the highest sequence applied (all below it applied too). */
  private static final class VolumeState {
    final AtomicLong epoch = new AtomicLong();
    final AtomicLong applied = new AtomicLong();
    final OverlapOrder order = new OverlapOrder();
    // Ops enter the overlap order one after another, each once the local copy is open.
    CompletableFuture<ReopenableDevice> admitted;
  }

  private final Function<String, CompletableFuture<BlockDevice>> localCopy;
  private final EpochAuthority authority;
  private final Map<String, VolumeState> volumes = new ConcurrentHashMap<>();
  private final DurableProgress progress;
  private final ClientLoad clients;
  private final CopyOps ops = new CopyOps();

  /**
   * @param localCopy opens (creating if the metadata says so) this node's copy of a volume; fails
   *                  if this node holds no copy
   */
  public ReplicaService(Function<String, CompletableFuture<BlockDevice>> localCopy, EpochAuthority authority) {
    this(localCopy, authority, null, new ClientLoad());
  }

  /**
   * @param progressDir where this replica records, per volume, the last flush it applied, so that
   *                    after a restart it reports that progress (null: keep nothing across restarts)
   * @param clients     the node's client load, which the changes of other nodes' clients count in
   *                    from arrival until applied, so this node's background work yields to them too
   */
  public ReplicaService(Function<String, CompletableFuture<BlockDevice>> localCopy, EpochAuthority authority,
      Path progressDir, ClientLoad clients) {
    this.localCopy = localCopy;
    this.authority = authority;
    this.progress = progressDir == null ? null : new DurableProgress(progressDir);
    this.clients = clients;
  }

  /** Highest sequence number applied here for the volume (0 if none). */
  public long appliedSeq(String volume) {
    VolumeState s = volumes.get(volume);
    return s == null ? 0 : s.applied.get();
  }

  /** Stops recording progress (writing what is pending). */
  public void close() {
    if (progress != null) {
      progress.close();
    }
  }

  /** Forgets a deleted volume and closes its handle. */
  public void forget(String volume) {
    if (progress != null) {
      progress.forget(volume);
    }
    VolumeState s = volumes.remove(volume);
    if (s != null && s.admitted != null) {
      s.admitted.thenAccept(BlockDevice::close);
    }
  }

  /** A volume's state as this replica last recorded it durably, or a fresh one. */
  private VolumeState restored(String volume) {
    VolumeState s = new VolumeState();
    long uid = authority.uid(volume);
    if (progress != null && uid != 0) {
      progress.load(volume, uid).ifPresent(e -> {
        s.epoch.set(e.epoch());
        s.applied.set(e.seq());
        log.info("volume {}: this replica durably applied up to seq {} (epoch {}) before it restarted", volume,
            e.seq(), e.epoch());
      });
    }
    return s;
  }

  /**
   * Reports the highest sequence applied (known); after a restart, the last flush recorded before
   * it (a lower bound), or nothing (not known) if none was.
   */
  @Override
  public void state(ReplicaStateRequest request, StreamObserver<ReplicaState> response) {
    VolumeState s = volumes.get(request.getVolume());
    if (s == null && progress != null && authority.uid(request.getVolume()) != 0
        && progress.load(request.getVolume(), authority.uid(request.getVolume())).isPresent()) {
      s = volumes.computeIfAbsent(request.getVolume(), this::restored);
    }
    response.onNext(ReplicaState.newBuilder().setVolume(request.getVolume()).setKnown(s != null)
        .setEpoch(s == null ? authority.epoch(request.getVolume()) : s.epoch.get())
        .setAppliedSeq(s == null ? 0 : s.applied.get()).build());
    response.onCompleted();
  }

  @Override
  public void digest(DigestRequest request, StreamObserver<DigestReply> response) {
    if (request.getChunk() <= 0 || request.getLength() < 0 || request.getLength() > MAX_DIGEST_BYTES) {
      response.onError(Status.INVALID_ARGUMENT.withDescription("bad digest range").asRuntimeException());
      return;
    }
    onCopy(request.getVolume(), d ->
        // A chunk that fails its own checksum is reported as such, so the primary overwrites it.
        ChunkDigests.of(d, request.getOffset(), request.getLength(), request.getChunk())).whenComplete((list, e) -> {
      if (e != null) {
        response.onError(Status.UNAVAILABLE.withDescription(String.valueOf(e.getMessage())).asRuntimeException());
      } else {
        response.onNext(DigestReply.newBuilder().addAllCrc32C(list).build());
        response.onCompleted();
      }
    });
  }

  /** Uses this node's copy of a volume, or of one of its snapshots (opened for the call, then closed). */
  private <T> CompletableFuture<T> onCopy(String volume, Function<BlockDevice, CompletableFuture<T>> use) {
    return localCopy.apply(volume).thenCompose(d -> {
      CompletableFuture<T> result = use.apply(d);
      return volume.indexOf('@') < 0 ? result : result.whenComplete((x, e) -> d.close());
    });
  }

  @Override
  public void read(ReadRequest request, StreamObserver<ReadReply> response) {
    if (request.getLength() < 0 || request.getLength() > MAX_DIGEST_BYTES) {
      response.onError(Status.INVALID_ARGUMENT.withDescription("bad read range").asRuntimeException());
      return;
    }
    ByteBuffer b = ByteBuffer.allocate((int) request.getLength());
    onCopy(request.getVolume(), d -> d.read(request.getOffset(), b)).whenComplete((v, e) -> {
      if (e != null) {
        response.onError(Status.UNAVAILABLE.withDescription(String.valueOf(e.getMessage())).asRuntimeException());
      } else {
        b.flip();
        ByteString data = ByteString.copyFrom(b);
        response.onNext(ReadReply.newBuilder().setData(data).setCrc32C(Checksums.crc32c(data)).build());
        response.onCompleted();
      }
    });
  }

  @Override
  public StreamObserver<ReplicaOp> replicate(StreamObserver<ReplicaAck> acks) {
    return new StreamObserver<>() {
      // Acks leave in sequence order: each waits for the previous one.
      private CompletableFuture<Void> ackChain = CompletableFuture.completedFuture(null);

      @Override
      public void onNext(ReplicaOp op) {
        CompletableFuture<ReplicaAck> outcome = fromClient(op) ? clients.track(() -> handle(op, false))
            : handle(op, false);
        ackChain = ackChain.thenCombine(outcome, (v, ack) -> ack).thenAccept(ack -> {
          if (ack.getStatus() == ReplicaAck.Status.OK) {
            // Recorded in sequence order, so "applied" never runs ahead of a gap.
            VolumeState s = volumes.computeIfAbsent(op.getVolume(), ReplicaService.this::restored);
            s.applied.accumulateAndGet(op.getSeq(), Math::max);
            if (op.getKind() == ReplicaOp.Kind.FLUSH && progress != null) {
              // Everything up to this flush is on stable storage here.
              progress.record(op.getVolume(), new DurableProgress.Entry(authority.uid(op.getVolume()), s.epoch.get(),
                  op.getSeq()));
            }
          }
          synchronized (acks) {
            acks.onNext(ack);
          }
        });
      }

      @Override
      public void onError(Throwable t) {
        log.debug("replication stream from primary ended: {}", t.toString());
      }

      @Override
      public void onCompleted() {
        ackChain.whenComplete((v, e) -> {
          synchronized (acks) {
            acks.onCompleted();
          }
        });
      }
    };
  }

  /** The replica's snapshots of a volume, oldest first. */
  @Override
  public void snapshots(ReplicaStateRequest request, StreamObserver<SnapshotNames> response) {
    try {
      response.onNext(SnapshotNames.newBuilder().addAllNames(ops.snapshotNames(request.getVolume())).build());
      response.onCompleted();
    } catch (RuntimeException e) {
      response.onError(Status.UNAVAILABLE.withDescription(String.valueOf(e.getMessage())).asRuntimeException());
    }
  }

  /** One op outside any stream: a barrier over what arrived before, its seq applied from arrival on. */
  @Override
  public void apply(ReplicaOp op, StreamObserver<ReplicaAck> response) {
    if (op.getKind() != ReplicaOp.Kind.WRITE && op.getKind() != ReplicaOp.Kind.SNAPSHOT
        && op.getKind() != ReplicaOp.Kind.SNAPSHOT_DELETE && op.getKind() != ReplicaOp.Kind.SNAPSHOT_FILL) {
      response.onError(Status.INVALID_ARGUMENT.withDescription("only WRITE, SNAPSHOT, SNAPSHOT_DELETE and "
          + "SNAPSHOT_FILL apply outside a stream").asRuntimeException());
      return;
    }
    handle(op, true).whenComplete((ack, e) -> {
      if (e != null) {
        response.onError(Status.INTERNAL.withDescription(String.valueOf(e.getMessage())).asRuntimeException());
      } else {
        response.onNext(ack);
        response.onCompleted();
      }
    });
  }

  private CompletableFuture<ReplicaAck> handle(ReplicaOp op, boolean outsideStream) {
    String name = op.getVolume();
    VolumeState s = volumes.computeIfAbsent(name, this::restored);
    long known = Math.max(s.epoch.get(), authority.epoch(name));
    if (!authority.inMajority()) {
      return done(ack(op, ReplicaAck.Status.NO_QUORUM, known, "replica is cut off from the metadata majority"));
    }
    if (op.getEpoch() < known) {
      return done(ack(op, ReplicaAck.Status.STALE_EPOCH, known,
          "epoch " + op.getEpoch() + " is stale: volume " + name + " is at epoch " + known));
    }
    s.epoch.accumulateAndGet(op.getEpoch(), Math::max);
    if (op.getSeq() <= s.applied.get()) {
      return done(ack(op, ReplicaAck.Status.OK, op.getEpoch(), "already applied"));
    }
    if ((op.getKind() == ReplicaOp.Kind.WRITE || op.getKind() == ReplicaOp.Kind.SNAPSHOT_FILL)
        && Checksums.crc32c(op.getData()) != op.getCrc32C()) {
      log.warn("volume {} seq {}: payload failed its CRC32C, refused", name, op.getSeq());
      return done(ack(op, ReplicaAck.Status.BAD_CHECKSUM, known, "payload failed CRC32C"));
    }
    boolean barrier = outsideStream || op.getKind() == ReplicaOp.Kind.FLUSH
        || op.getKind() == ReplicaOp.Kind.SNAPSHOT || op.getKind() == ReplicaOp.Kind.SNAPSHOT_DELETE
        || op.getKind() == ReplicaOp.Kind.ROLLBACK;
    CompletableFuture<Void> applied = new CompletableFuture<>();
    synchronized (s) {
      if (outsideStream) {
        // Whatever of the detached stream arrives after this must not land on the rebuilt copy.
        s.applied.accumulateAndGet(op.getSeq(), Math::max);
      }
      if (s.admitted == null || s.admitted.isCompletedExceptionally()) {
        s.admitted = localCopy.apply(name).thenApply(d -> new ReopenableDevice(d, () -> localCopy.apply(name).join()));
      }
      s.admitted = s.admitted.thenApply(d -> {
        s.order.submit(op.getSeq(), op.getOffset(), op.getLength(), barrier, () -> ops.apply(d, op))
            .whenComplete((v, e) -> complete(applied, e));
        return d;
      });
      s.admitted.whenComplete((d, e) -> {
        if (e != null) {
          applied.completeExceptionally(e);
        }
      });
    }
    return applied.handle((v, e) -> {
      if (e != null) {
        log.warn("volume {} seq {}: not applied: {}", name, op.getSeq(), e.toString());
        ReplicaAck.Status status = BlockDeviceException.kindOf(e) == Kind.UNAVAILABLE
            ? ReplicaAck.Status.UNKNOWN_VOLUME : ReplicaAck.Status.IO_ERROR;
        return ack(op, status, known, String.valueOf(e.getMessage()));
      }
      return ack(op, ReplicaAck.Status.OK, op.getEpoch(), "");
    });
  }

  private static void complete(CompletableFuture<Void> f, Throwable e) {
    if (e == null) {
      f.complete(null);
    } else {
      f.completeExceptionally(e);
    }
  }

  /**
   * Takes and deletes the snapshots that SNAPSHOT and SNAPSHOT_DELETE ops name, and rolls back to
   * the one a ROLLBACK op names, on this node's copy (volume, snapshot), and lists them (volume);
   * set by the node, which knows its store. Both succeed when there is nothing
   * left to do (an op sent again).
   */
  public ReplicaService takingSnapshotsWith(SnapshotTaker taker,
      BiFunction<String, String, CompletableFuture<Void>> deleter, BiFunction<String, String,
      CompletableFuture<Void>> rollback, Function<String, List<String>> lister) {
    ops.snapshotsWith(taker, deleter, rollback, lister);
    return this;
  }

  /** Writes into the own layer of snapshot {@code snapshot} of this node's copy (SNAPSHOT_FILL). */
  @FunctionalInterface
  public interface SnapshotFiller {
    CompletableFuture<Void> fill(String volume, String snapshot, long offset, java.nio.ByteBuffer data);
  }

  /** How this node fills its copies' snapshots (SNAPSHOT_FILL); set by the node, which knows its store. */
  public ReplicaService fillingSnapshotsWith(SnapshotFiller filler) {
    ops.fillsWith(filler);
    return this;
  }

  /** Takes snapshot {@code snapshot} of this node's copy; {@code origin}: the id an import reproduced, else 0. */
  @FunctionalInterface
  public interface SnapshotTaker {
    CompletableFuture<Void> take(String volume, String snapshot, long origin);
  }

  /** A client's change relayed by its primary: not a resync's copy, nor a snapshot the operator asked for. */
  private static boolean fromClient(ReplicaOp op) {
    return !op.getBackground() && switch (op.getKind()) {
      case WRITE, ZEROES, TRIM, FLUSH -> true;
      default -> false;
    };
  }

  private static ReplicaAck ack(ReplicaOp op, ReplicaAck.Status status, long epoch, String message) {
    return ReplicaAck.newBuilder().setVolume(op.getVolume()).setSeq(op.getSeq()).setStatus(status)
        .setEpoch(epoch).setMessage(message).build();
  }

  private static <T> CompletableFuture<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }
}
