package org.snipblock.cluster.replica;

import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.snipblock.block.BlockDevice;
import org.snipblock.cluster.proto.VolumeRecord;

/**
 * Chunk digests of one snippet on this copy and on its holders' copies, all taken at the same
 * point of the volume's sequence: changes to the snippet wait meanwhile, and each holder is
 * compared once it has applied everything sequenced before, so changes in flight never look
 * like damage.
 */
final class CopyDigests {
  /** One snippet's digests here ({@code ours}) and per holder, or why a holder gave none. */
  record SnippetDigests(long start, List<Long> ours, Map<String, List<Long>> theirs, Map<String, String> errors) {}

  private final BlockDevice local;
  private final Sequencer sequencer;
  private final ReplicaLinks links;
  private final Function<String, ManagedChannel> channels;
  private final Duration ackTimeout;

  CopyDigests(BlockDevice local, Sequencer sequencer, ReplicaLinks links, Function<String, ManagedChannel> channels,
      Duration ackTimeout) {
    this.local = local;
    this.sequencer = sequencer;
    this.links = links;
    this.channels = channels;
    this.ackTimeout = ackTimeout;
  }

  CompletableFuture<SnippetDigests> at(int index, List<String> holders) {
    return sequencer.inTurn(turn -> {
      VolumeRecord v = turn.volume();
      long start = (long) index * v.getSnippetSize();
      long length = Math.min(v.getSnippetSize(), v.getSize() - start);
      Map<String, CompletableFuture<Void>> reached = new TreeMap<>();
      holders.forEach(h -> reached.put(h, links.drained(h)));
      return turn.local(turn.next(), start, length, false, () -> {
        CompletableFuture<List<Long>> ours = ChunkDigests.of(local, start, length, Resync.CHUNK);
        Map<String, CompletableFuture<List<Long>>> theirs = new TreeMap<>();
        reached.forEach((h, r) -> theirs.put(h, r.copy().orTimeout(ackTimeout.toMillis(), TimeUnit.MILLISECONDS)
            .thenCompose(x -> ReplicaCalls.digest(channels.apply(h), v.getName(), start, length, Resync.CHUNK))));
        List<CompletableFuture<?>> all = new ArrayList<>(theirs.values());
        all.add(ours);
        return CompletableFuture.allOf(all.stream().map(f -> f.handle((x, e) -> null)).toArray(CompletableFuture[]::new))
            .thenApply(x -> collect(start, ours.join(), theirs));
      });
    });
  }

  private static SnippetDigests collect(long start, List<Long> ours, Map<String, CompletableFuture<List<Long>>> theirs) {
    Map<String, List<Long>> got = new TreeMap<>();
    Map<String, String> errors = new TreeMap<>();
    theirs.forEach((h, f) -> {
      if (f.isCompletedExceptionally()) {
        errors.put(h, f.handle((y, e) -> String.valueOf(e.getMessage())).join());
      } else {
        got.put(h, f.join());
      }
    });
    return new SnippetDigests(start, ours, got, errors);
  }
}
