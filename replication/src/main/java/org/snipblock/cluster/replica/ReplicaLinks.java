package org.snipblock.cluster.replica;

import io.grpc.ManagedChannel;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.block.BlockDeviceException.Kind;
import org.snipblock.cluster.proto.ReplicaOp;
import org.snipblock.cluster.proto.VolumeRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The primary's streams to the other holders, one per node. Streams are opened, replaced and
 * dropped only within a turn of the {@link Sequencer}, so a stream receives exactly the changes
 * sequenced after it opened, which is what a resync counts on.
 */
final class ReplicaLinks {
  private static final Logger log = LoggerFactory.getLogger(ReplicaLinks.class);
  private static final long RETRY_MAX_SECONDS = 5;

  private final VolumeView view;
  private final Function<String, ManagedChannel> channels;
  private final Executor sendLoop;
  private final ReplicaRegistry registry;
  private final Fencing fencing;
  private final Runnable progress;
  private final Map<String, ReplicaLink> links = new ConcurrentHashMap<>();
  // Sync acknowledgements wait for this: the latest "holder X is stale" record being committed.
  private volatile CompletableFuture<Void> staleRecorded = CompletableFuture.completedFuture(null);
  // The "holder in sync again" records under way (their outcome ignored): a holder lost meanwhile is
  // recorded stale only after them, so its stale mark is the later one in the log.
  private CompletableFuture<Void> inSyncRecorded = CompletableFuture.completedFuture(null);

  /**
   * @param channels the streams' channel to each node, all on {@code sendLoop}'s thread
   * @param progress told whenever a stream's unacknowledged tail shrinks
   */
  ReplicaLinks(VolumeView view, Function<String, ManagedChannel> channels, Executor sendLoop,
      ReplicaRegistry registry, Fencing fencing, Runnable progress) {
    this.view = view;
    this.channels = channels;
    this.sendLoop = sendLoop;
    this.registry = registry;
    this.fencing = fencing;
    this.progress = progress;
  }

  /** The stream to the node, opened if there is none; call within a turn. */
  ReplicaLink open(String node) {
    return links.computeIfAbsent(node,
        n -> new ReplicaLink(n, view.name(), channels.apply(n), fencing::replicaSaw, progress, this::lost));
  }

  /**
   * {@code op} as it completes on the streams' thread ({@link StreamLoop}): queued on several
   * holders' streams, it is sent to all of them there in one hand-off, back to back.
   */
  CompletableFuture<ReplicaOp> onSendLoop(CompletableFuture<ReplicaOp> op) {
    return op.thenApplyAsync(o -> o, sendLoop);
  }

  /**
   * A fresh stream in place of a broken one; a healthy one is kept, since its in-flight writes
   * count toward their quorums. Call within a turn.
   */
  ReplicaLink reopen(String node) {
    ReplicaLink current = links.get(node);
    if (current != null && current.broken()) {
      links.remove(node);
      current.close();
    }
    return open(node);
  }

  /**
   * Closes the node's stream and keeps it closed (changes skip the node, which must be on record as
   * stale) until {@link #reopen}; call within a turn.
   */
  void detach(String node) {
    open(node).close();
  }

  /**
   * Drops the broken streams of nodes that hold nothing any more (their copies were placed
   * elsewhere), which would otherwise be shown as unreachable forever; call within a turn.
   */
  void forgetFormer(List<String> holders) {
    links.entrySet().removeIf(e -> {
      boolean former = !holders.contains(e.getKey()) && e.getValue().broken();
      if (former) {
        e.getValue().close();
      }
      return former;
    });
  }

  /**
   * Completes once the node's copy has applied everything sent to it so far: called within a turn,
   * a point of the volume's sequence. A node with no stream has been sent nothing.
   */
  CompletableFuture<Void> drained(String node) {
    ReplicaLink l = links.get(node);
    return l == null ? CompletableFuture.completedFuture(null) : l.drained();
  }

  /** Holds what is sequenced from now on for the node until {@code until} completes ({@link ReplicaLink#hold}); call within a turn. */
  void hold(String node, CompletableFuture<?> until) {
    open(node).hold(until);
  }

  boolean broken(String node) {
    ReplicaLink l = links.get(node);
    return l != null && l.broken();
  }

  /** The latest record of a lost holder as stale; a sync acknowledgement must not overtake it. */
  CompletableFuture<Void> staleRecorded() {
    return staleRecorded;
  }

  /** Bytes sent to reachable replicas and not yet acknowledged (the largest over replicas). */
  long lagBytes() {
    return links.values().stream().filter(l -> !l.broken()).mapToLong(ReplicaLink::lagBytes).max().orElse(0);
  }

  /** Age of the oldest unacknowledged change at a reachable replica, in seconds. */
  double lagSeconds() {
    return links.values().stream().filter(l -> !l.broken()).mapToDouble(ReplicaLink::lagSeconds).max().orElse(0);
  }

  /** Per reachable replica: {unacknowledged bytes, acknowledged bytes so far}. */
  Map<String, long[]> progress() {
    Map<String, long[]> out = new java.util.TreeMap<>();
    links.forEach((node, l) -> {
      if (!l.broken()) {
        out.put(node, new long[] {l.lagBytes(), l.ackedBytes()});
      }
    });
    return out;
  }

  List<String> unreachable() {
    return links.values().stream().filter(ReplicaLink::broken).map(l -> l.nodeId).sorted().toList();
  }

  void closeAll() {
    links.values().forEach(ReplicaLink::close);
  }

  /**
   * A holder's stream broke: it misses changes from now on, so it goes on record as stale before
   * more sync acks (and after every holder lost before it), and after every in-sync record under
   * way ({@link #recordInSync}), so that it is the later of the two. While the metadata cannot take
   * the record (no leader for a while, or this node is cut off and fenced meanwhile), the record is
   * tried again and sync acks wait; they fail only once this device is superseded. A record given up
   * while only fenced failed every later sync write for good, after the primary was confirmed again
   * at its epoch (a long fault schedule: the primary cut off for 7.8 s, no failover).
   */
  private void lost(String node) {
    if (fencing.closed()) {
      return;
    }
    CompletableFuture<Void> recorded = new CompletableFuture<>();
    CompletableFuture<Void> after;
    synchronized (this) {
      after = inSyncRecorded;
      staleRecorded = staleRecorded.thenCombine(recorded, (a, b) -> (Void) null);
    }
    after.thenRun(() -> record(node, recorded, 1));
  }

  /**
   * Puts the holder on record in sync again ({@code record} commits it) after a resync whose copies
   * went over {@code link}, unless that stream broke: the changes sent on it since the resync's
   * starting point are all the holder got besides the copies, so a broken one may have lost some
   * the resync compared too early to see (a copy moved to a node that refused ops as an unknown
   * volume while the resync ran was put on record in sync without one chunk). Ordered with the
   * stale records: it waits for every holder lost before it (such a break shows in the check), and
   * every holder lost from now on is recorded stale after it, so the log never ends with a copy in
   * sync whose stream broke before the record.
   */
  synchronized CompletableFuture<Void> recordInSync(ReplicaLink link, Supplier<CompletableFuture<Void>> record) {
    CompletableFuture<Void> done = staleRecorded.handle((x, e) -> (Void) null).thenCompose(x -> link.broken()
        ? CompletableFuture.<Void>failedFuture(new BlockDeviceException(Kind.IO_ERROR, "the stream to " + link.nodeId
            + " broke during its resync: it may have missed a change the resync did not copy"))
        : record.get());
    inSyncRecorded = inSyncRecorded.thenCombine(done.handle((x, e) -> (Void) null), (a, b) -> (Void) null);
    return done;
  }

  private void record(String node, CompletableFuture<Void> recorded, int attempt) {
    if (fencing.superseded()) {
      recorded.completeExceptionally(new BlockDeviceException(Kind.NOT_PRIMARY, "no longer the primary of "
          + view.name() + ": a lost replica could not be recorded as stale"));
      return;
    }
    if (!fencing.primary()) {
      // Fenced, not superseded: no change is admitted meanwhile; once confirmed again, record it then.
      CompletableFuture.delayedExecutor(Math.min(attempt, RETRY_MAX_SECONDS), TimeUnit.SECONDS)
          .execute(() -> record(node, recorded, attempt + 1));
      return;
    }
    VolumeRecord v = view.get();
    registry.markStale(v.getName(), v.getEpoch(), node, true, List.of()).whenComplete((x, e) -> {
      if (e == null) {
        recorded.complete(null);
        return;
      }
      long delay = Math.min(attempt, RETRY_MAX_SECONDS);
      log.warn("volume {}: could not record {} as stale (attempt {}), sync writes wait; again in {} s: {}",
          v.getName(), node, attempt, delay, e.getMessage());
      CompletableFuture.delayedExecutor(delay, TimeUnit.SECONDS).execute(() -> record(node, recorded, attempt + 1));
    });
  }
}
