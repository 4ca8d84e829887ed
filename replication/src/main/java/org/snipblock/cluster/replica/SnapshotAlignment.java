package org.snipblock.cluster.replica;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.block.BlockDeviceException.Kind;
import org.snipblock.cluster.meta.Stripes;
import org.snipblock.cluster.proto.ReplicaOp;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.store.qos.BackgroundBudget;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a holder's snapshots in line with the primary's, before its live resync: a copy that was
 * away while snapshots were taken or deleted, or that is new (re-replication), gets them at the
 * same points of the volume as the primary's.
 *
 * <p>The holder's snapshots are compared with the primary's in order, by name and by chunk
 * digests over the snippets it holds. Those named as the primary's, in the same order, that differ
 * only in content (the holder gained a stripe after they were taken) are filled in place, oldest
 * first, with the chunks that differ ({@code SNAPSHOT_FILL}): they are not deleted, since clones on
 * the holder may read through them, and those clones then share the gained stripe's data too.
 * From the first name that differs or is missing on, the holder's snapshots are deleted and the
 * primary's rebuilt, oldest first: the holder's live layer is made equal to the snapshot (only
 * differing chunks are sent, so consecutive snapshots share what they share on the primary) and
 * the snapshot taken there. Meanwhile the holder's stream is detached
 * (it is on record as stale, so it counts toward no quorum): these ops go outside the stream, each
 * a barrier at a fresh sequence number, so nothing of the detached stream lands in between. The
 * live resync that follows reopens the stream and brings the live layer up to date.
 */
final class SnapshotAlignment {
  private static final Logger log = LoggerFactory.getLogger(SnapshotAlignment.class);
  // Passes until the primary's snapshots stay put for one; snapshots taken faster than that fail the resync (retried).
  private static final int PASSES = 4;

  private final VolumeView view;
  private final Sequencer sequencer;
  private final ReplicaLinks links;
  private final SnapshotSource source;
  private final ReplicaRegistry registry;
  private final ManagedChannel channel;
  private final String node;
  private final List<Integer> snippets;
  private final BackgroundBudget background;
  private final AtomicLong rebuilt = new AtomicLong();
  private final AtomicLong copied = new AtomicLong();
  private volatile boolean running = true;
  private volatile String failure;

  SnapshotAlignment(VolumeView view, Sequencer sequencer, ReplicaLinks links, SnapshotSource source,
      ReplicaRegistry registry, ManagedChannel channel, String node, List<Integer> snippets,
      BackgroundBudget background) {
    this.view = view;
    this.sequencer = sequencer;
    this.links = links;
    this.source = source;
    this.registry = registry;
    this.channel = channel;
    this.node = node;
    this.snippets = snippets;
    this.background = background;
  }

  ResyncProgress progress() {
    return new ResyncProgress(node, rebuilt.get(), rebuilt.get(), copied.get(), running, failure,
        "resync snapshots");
  }

  /** Completes with the snapshots the holder now has: the primary's, as they were at the last check. */
  CompletableFuture<List<String>> run() {
    return pass(PASSES).whenComplete((names, e) -> {
      running = false;
      if (e != null) {
        failure = String.valueOf(e.getMessage());
      }
    });
  }

  private CompletableFuture<List<String>> pass(int left) {
    List<String> ours = source.names(view.name());
    return ReplicaCalls.snapshots(channel, view.name()).thenCompose(theirs -> firstDifference(ours, theirs, 0)
        .thenCompose(k -> {
          if (k == ours.size() && theirs.size() == ours.size()) {
            return CompletableFuture.completedFuture(ours);
          }
          if (left == 0) {
            return CompletableFuture.failedFuture(new IllegalStateException("the snapshots of " + view.name()
                + " kept changing while " + node + "'s were rebuilt"));
          }
          return rebuild(ours, theirs, k).thenCompose(x -> pass(left - 1));
        }));
  }

  /** The index of the first snapshot the holder lacks or holds with other content. */
  private CompletableFuture<Integer> firstDifference(List<String> ours, List<String> theirs, int i) {
    if (i >= ours.size() || i >= theirs.size() || !ours.get(i).equals(theirs.get(i))) {
      return CompletableFuture.completedFuture(i);
    }
    return withSnapshot(ours.get(i), s -> CopyCompare.differing(s, channel, view.name() + "@" + ours.get(i),
        view.get(), snippets, background)).thenCompose(d -> d.isEmpty() ? firstDifference(ours, theirs, i + 1)
        : CompletableFuture.completedFuture(i));
  }

  private CompletableFuture<Void> rebuild(List<String> ours, List<String> theirs, int from) {
    VolumeRecord v = view.get();
    boolean staleEverywhere = snippets.stream().allMatch(i -> Stripes.at(v, i).getStaleList().contains(node));
    if (!staleEverywhere) {
      // Detaching a holder that counts toward quorums would lose acknowledged writes on it: on record first.
      return registry.markStale(v.getName(), v.getEpoch(), node, true, Stripes.stripesOf(v, snippets))
          .thenCompose(x -> CompletableFuture.failedFuture(new IllegalStateException("replica " + node
              + " put on record as stale before its snapshots are rebuilt; trying again")));
    }
    int named = from;
    while (named < ours.size() && named < theirs.size() && ours.get(named).equals(theirs.get(named))) {
      named++;
    }
    log.info("volume {}: aligning the snapshots of {} from {} on: filling {}, rebuilding from {} (it has {}, this "
        + "primary {})", v.getName(), node, from, ours.subList(from, named), named, theirs, ours);
    sequencer.inTurn(turn -> {
      links.detach(node);
      return null;
    });
    CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
    for (int i = from; i < named; i++) {
      String name = ours.get(i);
      chain = chain.thenCompose(x -> fillOne(name));
    }
    for (int j = theirs.size() - 1; j >= named; j--) {
      String name = theirs.get(j);
      chain = chain.thenCompose(x -> apply(op(ReplicaOp.Kind.SNAPSHOT_DELETE).setSnapshot(name)));
    }
    for (int i = named; i < ours.size(); i++) {
      String name = ours.get(i);
      chain = chain.thenCompose(x -> rebuildOne(name));
    }
    return chain;
  }

  /** Makes the holder's snapshot {@code name} equal to this one by writing into its own layer there. */
  private CompletableFuture<Void> fillOne(String name) {
    return withSnapshot(name, s -> sendDiffering(s, view.name() + "@" + name, ReplicaOp.Kind.SNAPSHOT_FILL, name))
        .thenRun(rebuilt::incrementAndGet);
  }

  /** Makes the holder's live layer equal to snapshot {@code name} here, then takes the snapshot there. */
  private CompletableFuture<Void> rebuildOne(String name) {
    VolumeRecord v = view.get();
    return withSnapshot(name, s -> sendDiffering(s, v.getName(), ReplicaOp.Kind.WRITE, null))
        .thenCompose(x -> apply(op(ReplicaOp.Kind.SNAPSHOT).setSnapshot(name)
            .setOrigin(source.origin(v.getName(), name))))
        .thenRun(rebuilt::incrementAndGet);
  }

  /**
   * Sends the chunks of {@code s} here that differ from the holder's {@code theirs} (over the
   * snippets it holds) as ops of {@code kind}, naming {@code snapshot} when one is written into.
   */
  private CompletableFuture<Void> sendDiffering(BlockDevice s, String theirs, ReplicaOp.Kind kind, String snapshot) {
    VolumeRecord v = view.get();
    return CopyCompare.differing(s, channel, theirs, v, snippets, background).thenCompose(offsets ->
        InTurn.run(offsets.size(), i -> {
          long off = offsets.get(i);
          ByteBuffer b = ByteBuffer.allocate((int) Math.min(Resync.CHUNK, v.getSize() - off));
          return background.take(b.remaining()).thenCompose(y -> s.read(off, b)).thenCompose(x -> {
            ByteString data = ByteString.copyFrom(b.flip());
            copied.addAndGet(data.size());
            ReplicaOp.Builder op = op(kind).setOffset(off).setLength(data.size()).setData(data)
                .setCrc32C(Checksums.crc32c(data)).setFua(true);
            if (snapshot != null) {
              op.setSnapshot(snapshot);
            }
            return apply(op);
          });
        }));
  }

  private ReplicaOp.Builder op(ReplicaOp.Kind kind) {
    return ReplicaOp.newBuilder().setKind(kind);
  }

  /** Sends one op outside the stream, at the next sequence number of the volume. */
  private CompletableFuture<Void> apply(ReplicaOp.Builder op) {
    ReplicaOp sent = sequencer.inTurn(turn -> op.setVolume(turn.volume().getName())
        .setEpoch(turn.volume().getEpoch()).setSeq(turn.next()).build());
    return ReplicaCalls.apply(channel, node, sent);
  }

  private <T> CompletableFuture<T> withSnapshot(String name,
      java.util.function.Function<BlockDevice, CompletableFuture<T>> use) {
    BlockDevice s = source.open(view.name(), name).orElse(null);
    if (s == null) {
      return CompletableFuture.failedFuture(new BlockDeviceException(Kind.UNAVAILABLE, "snapshot " + view.name()
          + "@" + name + " went away during the resync of " + node));
    }
    return use.apply(s).whenComplete((x, e) -> s.close());
  }
}
