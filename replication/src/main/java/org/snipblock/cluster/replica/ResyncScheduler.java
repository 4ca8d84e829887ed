package org.snipblock.cluster.replica;

import io.grpc.ManagedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.VolumeMdc;
import org.snipblock.cluster.meta.StaleCopies;
import org.snipblock.cluster.meta.Stripes;
import org.snipblock.cluster.proto.SnippetPlacement;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.store.qos.BackgroundBudget;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides which holders need a resync and runs one per holder at a time: a holder whose stream
 * broke (it missed changes), one the metadata lists as stale, and, after this primary restarted
 * at the same epoch, every holder once (what was sent before the restart may not all have
 * arrived). A holder is on record in sync again only once its resync has finished, over a stream
 * that never broke meanwhile ({@link ReplicaLinks#recordInSync}).
 */
final class ResyncScheduler {
  private static final Logger log = LoggerFactory.getLogger(ResyncScheduler.class);

  private final VolumeView view;
  private final BlockDevice local;
  private final Sequencer sequencer;
  private final ReplicaLinks links;
  private final ReadRepair copies;
  private final Function<String, ManagedChannel> channels;
  private final ReplicaRegistry registry;
  private final InSyncOnRecord inSync;
  private final long bytesPerSecond;
  private final BackgroundBudget background;
  private final SnapshotSource snapshots;
  // Per holder: the progress of its resync's current phase (its snapshots, then its live layer).
  private final Map<String, Supplier<ResyncProgress>> resyncs = new ConcurrentHashMap<>();
  // Per holder: the resync under way, until its result is on record.
  private final Map<String, CompletableFuture<Void>> runs = new ConcurrentHashMap<>();
  private final Set<String> uncheckedSinceRestart = ConcurrentHashMap.newKeySet();

  ResyncScheduler(VolumeView view, BlockDevice local, Sequencer sequencer, ReplicaLinks links, ReadRepair copies,
      Function<String, ManagedChannel> channels, ReplicaRegistry registry, InSyncOnRecord inSync, long bytesPerSecond,
      SnapshotSource snapshots, BackgroundBudget background) {
    this.snapshots = snapshots;
    this.background = background;
    this.view = view;
    this.local = local;
    this.sequencer = sequencer;
    this.links = links;
    this.copies = copies;
    this.channels = channels;
    this.registry = registry;
    this.inSync = inSync;
    this.bytesPerSecond = bytesPerSecond;
    if (sequencer.continuesEarlierRun()) {
      uncheckedSinceRestart.addAll(view.replicaNodes(view.get()));
    }
  }

  /** Starts a resync for every reachable holder that needs one and has none running. */
  void startDue() {
    VolumeRecord v = view.get();
    forgetFormerHolders(v);
    for (String node : view.replicaNodes(v)) {
      boolean broken = links.broken(node);
      boolean unchecked = uncheckedSinceRestart.contains(node);
      CompletableFuture<Void> running = runs.get(node);
      if ((broken || unchecked || StaleCopies.anywhere(v, node)) && (running == null || running.isDone())
          && registry.reachable(node) && registry.parentReady(v, node)) {
        resync(node, broken || unchecked);
      }
    }
  }

  /** A node whose copies were all placed elsewhere is no holder any more: its finished resync is no longer shown. */
  private void forgetFormerHolders(VolumeRecord v) {
    List<String> holders = view.replicaNodes(v);
    sequencer.inTurn(turn -> {
      links.forgetFormer(holders);
      return null;
    });
    runs.entrySet().removeIf(e -> !holders.contains(e.getKey()) && e.getValue().isDone());
    resyncs.keySet().removeIf(n -> !holders.contains(n) && !runs.containsKey(n));
  }

  /** Progress of the resyncs started by this primary, one per holder. */
  List<ResyncProgress> progress() {
    return new ArrayList<>(resyncs.values().stream().map(Supplier::get).toList());
  }

  private void sameSnapshots(List<String> aligned) {
    if (!snapshots.names(view.name()).equals(aligned)) {
      throw new IllegalStateException("snapshots of " + view.name() + " were taken or deleted during the resync; "
          + "trying again");
    }
  }

  /** Compares and repairs the node's stale snippets (all it holds if it may have missed changes). */
  private void resync(String node, boolean everything) {
    try (VolumeMdc volume = VolumeMdc.of(view.name())) {
      startResync(node, everything);
    }
  }

  private void startResync(String node, boolean everything) {
    VolumeRecord v = view.get();
    Predicate<SnippetPlacement> resynced = s -> s.getNodesList().contains(node)
        && (everything || s.getStaleList().contains(node));
    List<Long> stripes = new ArrayList<>();
    for (int i = 0; i < v.getSnippetsCount(); i++) {
      if (resynced.test(v.getSnippets(i))) {
        stripes.add((long) i);
      }
    }
    List<Integer> held = Stripes.snippetsWhere(v, resynced).stream().map(Math::toIntExact).toList();
    log.info("volume {}: resyncing replica {} ({} snippets)", v.getName(), node, held.size());
    // Snapshots are whole-copy: compared and rebuilt over every snippet the node holds, not only the stale ones.
    List<Integer> all = Stripes.snippetsWhere(v, s -> s.getNodesList().contains(node)).stream()
        .map(Math::toIntExact).toList();
    SnapshotAlignment alignment = new SnapshotAlignment(view, sequencer, links, snapshots, registry,
        channels.apply(node), node, all, background);
    resyncs.put(node, alignment::progress);
    CompletableFuture<ReplicaLink> live = alignment.run().thenCompose(names -> {
      record Start(ReplicaLink link, CompletableFuture<Void> barrier) {}
      Start start = sequencer.inTurn(turn -> new Start(links.reopen(node),
          // Everything sequenced before the stream existed must be on the local copy before we compare.
          turn.local(turn.next(), 0, 0, true, () -> CompletableFuture.completedFuture(null))));
      Resync r = new Resync(view, local, copies, start.link(), channels.apply(node),
          new BackgroundPace(bytesPerSecond, background), node, held);
      resyncs.put(node, r::progress);
      // A snapshot taken before the stream reopened is missing there; one taken before the live layer
      // was in line is wrong there: either way the next round's alignment rebuilds it.
      return r.run(start.barrier().thenRun(() -> sameSnapshots(names)))
          .thenRun(() -> sameSnapshots(names)).thenApply(x -> start.link());
    });
    List<Long> done = List.copyOf(stripes);
    runs.put(node, live
        .thenCompose(link -> links.recordInSync(link,
            () -> registry.markStale(v.getName(), v.getEpoch(), node, false, done)))
        .whenComplete((x, e) -> {
          try (VolumeMdc volume = VolumeMdc.of(v.getName())) {
            if (e == null) {
              uncheckedSinceRestart.remove(node);
              inSync.recorded(node, done);
              log.info("volume {}: replica {} is on record as in sync", v.getName(), node);
            } else {
              log.warn("volume {}: replica {} not recorded in sync: {}", v.getName(), node, e.toString());
            }
          }
        }));
  }
}
