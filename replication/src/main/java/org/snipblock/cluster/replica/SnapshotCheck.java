package org.snipblock.cluster.replica;

import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.snipblock.store.qos.BackgroundBudget;

/**
 * Compares a holder's snapshots with the primary's, as a verify or scrub does after the live data:
 * the same snapshots in the same order, each with the same content (chunk digests) over the
 * snippets the holder holds. Taken at one point of the sequence (the holder has applied what was
 * sent before, this copy too), so a snapshot op in flight is not reported as a difference. The
 * snippets compared are read under the node's background budget ({@link CopyCompare}).
 */
final class SnapshotCheck {
  /** @param differing names of the snapshots missing, extra, out of order or with other content on the holder */
  record Result(int compared, List<String> differing) {}

  private final VolumeView view;
  private final Sequencer sequencer;
  private final ReplicaLinks links;
  private final SnapshotSource source;
  private final Function<String, ManagedChannel> channels;
  private final Duration ackTimeout;
  private final BackgroundBudget background;

  SnapshotCheck(VolumeView view, Sequencer sequencer, ReplicaLinks links, SnapshotSource source,
      Function<String, ManagedChannel> channels, Duration ackTimeout, BackgroundBudget background) {
    this.view = view;
    this.sequencer = sequencer;
    this.links = links;
    this.source = source;
    this.channels = channels;
    this.ackTimeout = ackTimeout;
    this.background = background;
  }

  /** The primary's own snapshots: what every holder's are compared with. */
  int count() {
    return source.names(view.name()).size();
  }

  CompletableFuture<Result> of(String holder, List<Integer> snippets) {
    CompletableFuture<Void> point = sequencer.inTurn(turn -> {
      // A holder whose stream broke is compared as it is (it is being resynced).
      CompletableFuture<Void> reached = links.drained(holder).copy()
          .orTimeout(ackTimeout.toMillis(), TimeUnit.MILLISECONDS).handle((x, e) -> null);
      return turn.local(turn.next(), 0, 0, true, () -> CompletableFuture.<Void>completedFuture(null))
          .thenCombine(reached, (a, b) -> (Void) null);
    });
    ManagedChannel channel = channels.apply(holder);
    return point.thenCompose(x -> {
      List<String> ours = source.names(view.name());
      return ReplicaCalls.snapshots(channel, view.name()).thenCompose(theirs -> {
        List<String> differing = new ArrayList<>();
        theirs.stream().filter(n -> !ours.contains(n)).forEach(n -> differing.add(n + " (extra)"));
        ours.stream().filter(n -> !theirs.contains(n)).forEach(n -> differing.add(n + " (missing)"));
        List<String> common = ours.stream().filter(theirs::contains).toList();
        if (!common.equals(theirs.stream().filter(ours::contains).toList())) {
          differing.add("(order)");
        }
        int[] compared = {0};
        return InTurn.run(common.size(), i -> {
          String name = common.get(i);
          return source.open(view.name(), name).map(s -> CopyCompare.differing(s, channel, view.name() + "@" + name,
              view.get(), snippets, background).whenComplete((d, e) -> s.close()).thenAccept(d -> {
                compared[0]++;
                if (!d.isEmpty()) {
                  differing.add(name + " (" + d.size() + " chunks differ)");
                }
              })).orElseGet(() -> CompletableFuture.completedFuture(null));
        }).thenApply(y -> new Result(compared[0], differing));
      });
    });
  }
}
