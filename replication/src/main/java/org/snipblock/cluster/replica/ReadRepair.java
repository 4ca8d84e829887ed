package org.snipblock.cluster.replica;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.block.BlockDeviceException.Kind;
import org.snipblock.cluster.meta.Stripes;
import org.snipblock.cluster.proto.SnippetPlacement;
import org.snipblock.cluster.proto.VolumeRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Data that fails its checksum on the primary's copy is never returned nor sent on: the chunk is
 * fetched from a replica in sync (verified in transit), written back over the bad one and used.
 * The repair is a sequenced change, so it cannot race a client write to the same range.
 */
final class ReadRepair {
  private static final Logger log = LoggerFactory.getLogger(ReadRepair.class);
  // Unit of repair: whole chunks of the store below, whatever its own chunk size divides.
  private static final int CHUNK = Resync.CHUNK;

  private final VolumeView view;
  private final BlockDevice local;
  private final Sequencer sequencer;
  private final ReplicaLinks links;
  private final Function<String, ManagedChannel> channels;
  private final ReplicaRegistry registry;
  private final Fencing fencing;
  private final Duration ackTimeout;
  private final AtomicLong chunksRestored = new AtomicLong();

  ReadRepair(VolumeView view, BlockDevice local, Sequencer sequencer, ReplicaLinks links,
      Function<String, ManagedChannel> channels, ReplicaRegistry registry, Fencing fencing, Duration ackTimeout) {
    this.view = view;
    this.local = local;
    this.sequencer = sequencer;
    this.links = links;
    this.channels = channels;
    this.registry = registry;
    this.fencing = fencing;
    this.ackTimeout = ackTimeout;
  }

  /** Reads the local copy, restoring each chunk of the range it cannot read. */
  CompletableFuture<Void> read(long offset, ByteBuffer dst) {
    int at = dst.position();
    int length = dst.remaining();
    return local.read(offset, dst).exceptionallyCompose(e -> mediumError(e) && !fencing.closed()
        ? readRepairing(offset, dst, at, length) : CompletableFuture.failedFuture(e));
  }

  private CompletableFuture<Void> readRepairing(long offset, ByteBuffer dst, int at, int length) {
    List<CompletableFuture<Void>> parts = new ArrayList<>();
    long size = view.get().getSize();
    long end = offset + length;
    for (long c = offset - offset % CHUNK; c < end; c += CHUNK) {
      long chunk = c;
      int chunkLength = (int) Math.min(CHUNK, size - c);
      ByteBuffer b = ByteBuffer.allocate(chunkLength);
      CompletableFuture<ByteBuffer> data = local.read(chunk, b).thenApply(x -> b.flip())
          .exceptionallyCompose(e -> mediumError(e)
              ? repairLocal(chunk, chunkLength).thenApply(ByteString::asReadOnlyByteBuffer)
              : CompletableFuture.failedFuture(e));
      parts.add(data.thenAccept(d -> {
        long from = Math.max(offset, chunk);
        long to = Math.min(end, chunk + chunkLength);
        dst.put(at + (int) (from - offset), d, d.position() + (int) (from - chunk), (int) (to - from));
      }));
    }
    return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenRun(() -> dst.position(at + length));
  }

  /** Restores a chunk of the local copy from a replica in sync, in its turn, and returns the good data. */
  CompletableFuture<ByteString> repairLocal(long offset, int length) {
    return sequencer.inTurn(turn -> {
      VolumeRecord v = turn.volume();
      Map<String, CompletableFuture<Void>> sources = goodCopies(v, offset, null);
      return turn.local(turn.next(), offset, length, false, () -> restore(v, sources, offset, length));
    });
  }

  /** Sends one chunk of the local copy to the node as a sequenced write, read (and restored if bad) in its turn. */
  CompletableFuture<Void> copyTo(String node, long offset, int length) {
    return sequencer.inTurn(turn -> copy(turn, links.open(node), offset, length));
  }

  /** As {@link #copyTo(String, long, int)}, on this stream only (a resync's: if it breaks, the copies fail with it). */
  CompletableFuture<Void> copyTo(ReplicaLink link, long offset, int length) {
    return sequencer.inTurn(turn -> copy(turn, link, offset, length));
  }

  private CompletableFuture<Void> copy(Sequencer.Turn turn, ReplicaLink link, long offset, int length) {
    VolumeRecord v = turn.volume();
    Map<String, CompletableFuture<Void>> sources = goodCopies(v, offset, link.nodeId);
    long seq = turn.next();
    CompletableFuture<ByteString> data = turn.local(seq, offset, length, false, () -> {
      ByteBuffer b = ByteBuffer.allocate(length);
      // A chunk bad here is restored from another good copy first, never sent on.
      return local.read(offset, b).thenApply(x -> ByteString.copyFrom(b.flip()))
          .exceptionallyCompose(e -> mediumError(e)
              ? restore(v, sources, offset, length) : CompletableFuture.failedFuture(e));
    });
    return link.send(seq, length,
        turn.op(seq, () -> data.thenApply(bs -> ChangeStream.writeOp(bs, offset, offset, length, false)
            .setBackground(true))));
  }

  /** Chunks of the local copy restored from a replica after failing their checksum, since the device opened. */
  long chunksRestored() {
    return chunksRestored.get();
  }

  /**
   * Holders of the snippet at {@code offset} (other than this node and {@code except}) on record
   * in sync and reachable, each with the point of the sequence its copy must reach before it is
   * read. Called within a turn.
   */
  private Map<String, CompletableFuture<Void>> goodCopies(VolumeRecord v, long offset, String except) {
    SnippetPlacement s = Stripes.at(v, offset / v.getSnippetSize());
    Map<String, CompletableFuture<Void>> out = new LinkedHashMap<>();
    for (String n : s.getNodesList()) {
      if (!n.equals(view.selfId) && !n.equals(except) && !s.getStaleList().contains(n) && registry.reachable(n)) {
        out.put(n, links.drained(n));
      }
    }
    return out;
  }

  /** Runs in its turn: fetches the range from the first good copy that delivers, and writes it back. */
  private CompletableFuture<ByteString> restore(VolumeRecord v, Map<String, CompletableFuture<Void>> sources,
      long offset, int length) {
    CompletableFuture<ByteString> data = CompletableFuture.failedFuture(new BlockDeviceException(Kind.MEDIUM_ERROR,
        "no replica in sync to restore from"));
    for (Map.Entry<String, CompletableFuture<Void>> source : sources.entrySet()) {
      String node = source.getKey();
      data = data.exceptionallyCompose(e -> source.getValue().copy()
          .orTimeout(ackTimeout.toMillis(), TimeUnit.MILLISECONDS)
          .thenCompose(x -> ReplicaCalls.read(channels.apply(node), node, v.getName(), offset, length))
          .whenComplete((x, f) -> {
            if (f != null) {
              log.warn("volume {} at {}: no good copy from {}: {}", v.getName(), offset, node, f.toString());
            }
          }));
    }
    return data.exceptionallyCompose(e -> CompletableFuture.failedFuture(new BlockDeviceException(Kind.MEDIUM_ERROR,
        "stored data of " + v.getName() + " at " + offset + " failed its checksum and no replica supplied a good copy: "
            + e.getMessage(), e)))
        .thenCompose(good -> fencing.primary()
            ? writeBack(v, offset, length, good) : CompletableFuture.completedFuture(good));
  }

  private CompletableFuture<ByteString> writeBack(VolumeRecord v, long offset, int length, ByteString good) {
    return local.write(offset, good.asReadOnlyByteBuffer(), true).handle((x, e) -> {
      if (e == null) {
        chunksRestored.incrementAndGet();
        log.warn("volume {}: {} bytes at {} failed their checksum here and were restored from a replica",
            v.getName(), length, offset);
      } else {
        log.error("volume {} at {}: good data could not be written back: {}", v.getName(), offset, e.toString());
      }
      return good;
    });
  }

  private static boolean mediumError(Throwable e) {
    return BlockDeviceException.kindOf(e) == Kind.MEDIUM_ERROR;
  }
}
