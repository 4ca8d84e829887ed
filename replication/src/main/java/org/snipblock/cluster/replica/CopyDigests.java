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
 * Chunk digests of one snippet on this copy and on its holders' copies, taken at one point of the
 * volume's sequence: changes to the snippet wait here meanwhile, and each holder is compared once
 * it has applied everything sequenced before, so changes in flight never look like damage. What
 * {@link #at} finds differing is compared again {@link #exact}ly, the holders' streams held: a
 * later change can reach a holder before its digests are read.
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

  /**
   * Snippet {@code index} here and on {@code holders}. Later changes to the snippet wait here, but
   * they are sent to the holders at once: one that reaches a holder before its digests are read
   * shows as a difference. A difference found here is so only a candidate: {@link #exact} tells.
   */
  CompletableFuture<SnippetDigests> at(int index, List<String> holders) {
    return sequencer.inTurn(turn -> {
      VolumeRecord v = turn.volume();
      long start = (long) index * v.getSnippetSize();
      return compare(turn, start, Math.min(v.getSnippetSize(), v.getSize() - start), holders, false);
    });
  }

  /**
   * {@code [start, start+length)} here and on {@code holders}, all at exactly one point of the
   * sequence: the holders' streams hold everything sequenced later until their digests are read.
   * That holds every change to those holders meanwhile, so it is for the few chunks {@link #at}
   * found differing, not for whole passes.
   */
  CompletableFuture<SnippetDigests> exact(long start, long length, List<String> holders) {
    return sequencer.inTurn(turn -> compare(turn, start, length, holders, true));
  }

  private CompletableFuture<SnippetDigests> compare(Sequencer.Turn turn, long start, long length,
      List<String> holders, boolean hold) {
    VolumeRecord v = turn.volume();
    Map<String, CompletableFuture<Void>> reached = new TreeMap<>();
    holders.forEach(h -> reached.put(h, links.drained(h)));
    CompletableFuture<SnippetDigests> compared = turn.local(turn.next(), start, length, false, () -> {
      CompletableFuture<List<Long>> ours = ChunkDigests.of(local, start, length, Resync.CHUNK);
      Map<String, CompletableFuture<List<Long>>> theirs = new TreeMap<>();
      // Held, a holder's changes wait for its digests: a change held behind them keeps half its ack timeout.
      long bound = hold ? ackTimeout.toMillis() / 2 : ackTimeout.toMillis();
      reached.forEach((h, r) -> {
        CompletableFuture<List<Long>> digests = r.copy().orTimeout(bound, TimeUnit.MILLISECONDS)
            .thenCompose(x -> ReplicaCalls.digest(channels.apply(h), v.getName(), start, length, Resync.CHUNK));
        theirs.put(h, hold ? digests.orTimeout(bound, TimeUnit.MILLISECONDS) : digests);
      });
      List<CompletableFuture<?>> all = new ArrayList<>(theirs.values());
      all.add(ours);
      return CompletableFuture.allOf(all.stream().map(f -> f.handle((x, e) -> null)).toArray(CompletableFuture[]::new))
          .thenApply(x -> collect(start, ours.join(), theirs));
    });
    if (hold) {
      // Released however the comparison ends; a digest call is bounded by the ack timeout.
      holders.forEach(h -> links.hold(h, compared));
    }
    return compared;
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
