package org.snipblock.cluster.replica;

import io.grpc.ManagedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.snipblock.block.BlockDevice;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.store.qos.BackgroundBudget;

/**
 * Compares a device here with a holder's copy of a volume or snapshot (named {@code VOLUME} or
 * {@code VOLUME@SNAPSHOT} on the holder) over some snippets, by chunk digests: the offsets of the
 * chunks that differ, or that either side could not read. Each snippet waits for the node's
 * background budget before it is read here, for the data it holds: comparing reads all of that,
 * even when nothing differs and nothing is sent.
 */
final class CopyCompare {
  private CopyCompare() {}

  /** Offsets of the differing chunks of the snippets, in order. */
  static CompletableFuture<List<Long>> differing(BlockDevice ours, ManagedChannel channel, String theirs,
      VolumeRecord v, List<Integer> snippets, BackgroundBudget budget) {
    List<Long> out = new ArrayList<>();
    return InTurn.run(snippets.size(), i -> {
      long start = (long) snippets.get(i) * v.getSnippetSize();
      long length = Math.min(v.getSnippetSize(), v.getSize() - start);
      if (length <= 0) {
        return CompletableFuture.completedFuture(null);
      }
      return ChunkDigests.dataBytes(ours, start, length).thenCompose(budget::take)
          .thenCompose(x -> ReplicaCalls.digest(channel, theirs, start, length, Resync.CHUNK)
          .thenCombine(ChunkDigests.of(ours, start, length, Resync.CHUNK), (t, o) -> {
            for (int c = 0; c < o.size(); c++) {
              if (c >= t.size() || !t.get(c).equals(o.get(c)) || o.get(c) == ChunkDigests.UNREADABLE) {
                out.add(start + (long) c * Resync.CHUNK);
              }
            }
            return (Void) null;
          }));
    }).thenApply(x -> out);
  }
}
