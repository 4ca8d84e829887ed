package org.snipblock.cluster.replica;

import io.grpc.ManagedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.snipblock.block.VolumeMdc;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.block.BlockDevice;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings one replica's copy in line with the primary by delta: snippet by snippet, the replica
 * reports CRC32C digests of its chunks, the primary compares them with its own and sends only
 * the chunks that differ (or that the replica could not read). The copies travel as ordinary
 * sequenced writes on the replica's live stream, so they interleave correctly with client writes
 * that arrive meanwhile. Each snippet waits for the node's background budget before its digests
 * are read (for the data it holds here, which comparing reads, in sync or not), each batch of copies before it is sent, and
 * the resync's own rate ({@code resync-rate}) after, so client I/O keeps going ({@link BackgroundPace}).
 */
final class Resync {
  private static final Logger log = LoggerFactory.getLogger(Resync.class);
  static final int CHUNK = 64 << 10;
  private static final int CHUNKS_IN_FLIGHT = 8;

  private final VolumeView view;
  private final BlockDevice local;
  private final ReadRepair copies;
  private final ReplicaLink link;
  private final ManagedChannel channel;
  private final BackgroundPace pace;
  private final String node;
  private final List<Integer> snippets;
  private final AtomicLong done = new AtomicLong();
  private final AtomicLong copied = new AtomicLong();
  private volatile boolean running = true;
  private volatile String failure;

  Resync(VolumeView view, BlockDevice local, ReadRepair copies, ReplicaLink link, ManagedChannel channel,
      BackgroundPace pace, String node, List<Integer> snippets) {
    this.view = view;
    this.local = local;
    this.copies = copies;
    this.link = link;
    this.channel = channel;
    this.pace = pace;
    this.node = node;
    this.snippets = snippets;
  }

  ResyncProgress progress() {
    return new ResyncProgress(node, done.get(), snippets.size(), copied.get(), running, failure, "resync");
  }

  CompletableFuture<Void> run(CompletableFuture<Void> barrier) {
    return barrier.thenCompose(x -> InTurn.run(snippets.size(),
        i -> snippet(snippets.get(i)).thenRun(done::incrementAndGet))).whenComplete((v, e) -> {
      running = false;
      try (VolumeMdc volume = VolumeMdc.of(view.name())) {
        if (e != null) {
          failure = String.valueOf(e.getMessage());
          log.warn("volume {}: resync of {} stopped: {}", view.name(), node, failure);
        } else {
          log.info("volume {}: replica {} in sync ({} snippets compared, {} bytes copied)", view.name(), node,
              snippets.size(), copied.get());
        }
      }
    });
  }

  private CompletableFuture<Void> snippet(int index) {
    if (link.broken()) {
      return CompletableFuture.failedFuture(new IllegalStateException("link to " + node + " broke"));
    }
    VolumeRecord v = view.get();
    long start = (long) index * v.getSnippetSize();
    long length = Math.min(v.getSnippetSize(), v.getSize() - start);
    if (length <= 0) {
      return CompletableFuture.completedFuture(null);
    }
    return ChunkDigests.dataBytes(local, start, length).thenCompose(pace::budget)
        .thenCompose(x -> differing(v.getName(), start, length))
        .thenCompose(offsets -> copy(offsets, start + length));
  }

  /** The chunks of the range whose digests differ between this copy and the replica's. */
  private CompletableFuture<List<Long>> differing(String volume, long start, long length) {
    CompletableFuture<List<Long>> theirs = ReplicaCalls.digest(channel, volume, start, length, CHUNK);
    return theirs.thenCombine(ours(start, length), (t, o) -> {
      List<Long> differing = new ArrayList<>();
      for (int c = 0; c < o.size(); c++) {
        if (c >= t.size() || !t.get(c).equals(o.get(c))) {
          differing.add(start + (long) c * CHUNK);
        }
      }
      return differing;
    });
  }

  private CompletableFuture<List<Long>> ours(long start, long length) {
    return ChunkDigests.of(local, start, length, CHUNK);
  }

  private CompletableFuture<Void> copy(List<Long> offsets, long end) {
    CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
    for (int i = 0; i < offsets.size(); i += CHUNKS_IN_FLIGHT) {
      List<Long> batch = offsets.subList(i, Math.min(offsets.size(), i + CHUNKS_IN_FLIGHT));
      long bytes = batch.stream().mapToLong(off -> Math.min(CHUNK, end - off)).sum();
      chain = chain.thenCompose(v -> pace.budget(bytes)).thenCompose(v -> {
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        for (long off : batch) {
          acks.add(copies.copyTo(link, off, (int) Math.min(CHUNK, end - off)));
        }
        copied.addAndGet(bytes);
        return pace.after(CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)), bytes);
      });
    }
    return chain;
  }
}
