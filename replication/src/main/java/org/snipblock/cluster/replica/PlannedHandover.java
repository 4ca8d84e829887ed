package org.snipblock.cluster.replica;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.block.BlockDeviceException.Kind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A primary handing its volume to an in-sync holder: new changes are held at the {@link HandoverGate},
 * the running ones finish, every holder applies what was sent to it, and only then the new epoch
 * is committed. So the new primary starts from everything this one acknowledged, and this one
 * stays an in-sync copy (it took nothing the new primary lacks). The held changes then go through
 * the checks again, are refused as "not primary" before touching anything, and the doors send
 * them on to the new primary.
 */
final class PlannedHandover {
  private static final Logger log = LoggerFactory.getLogger(PlannedHandover.class);

  private final VolumeView view;
  private final Fencing fencing;
  private final Sequencer sequencer;
  private final ReplicaLinks links;
  private final HandoverGate gate = new HandoverGate();

  PlannedHandover(VolumeView view, Fencing fencing, Sequencer sequencer, ReplicaLinks links) {
    this.view = view;
    this.fencing = fencing;
    this.sequencer = sequencer;
    this.links = links;
  }

  HandoverGate gate() {
    return gate;
  }

  /**
   * @param bound   how long the running changes and the holders' catching up may take
   * @param commit  commits the new primary at the next epoch, given the holders that did not catch
   *                up (they must resync); completes with the new epoch
   * @param timeline where the end of each step is marked
   */
  CompletableFuture<Long> run(String target, Duration bound, Function<List<String>, CompletableFuture<Long>> commit,
      HandoverTimeline timeline) {
    if (!fencing.primary()) {
      return Fencing.notPrimary();
    }
    CompletableFuture<Void> drained;
    try {
      drained = gate.close();
    } catch (IllegalStateException e) {
      return CompletableFuture.failedFuture(new BlockDeviceException(Kind.UNAVAILABLE, e.getMessage()));
    }
    long millis = bound.toMillis();
    CompletableFuture<Long> done = drained.orTimeout(millis, TimeUnit.MILLISECONDS)
        .exceptionallyCompose(e -> CompletableFuture.failedFuture(new BlockDeviceException(Kind.UNAVAILABLE,
            "the writes running on the primary did not finish within " + bound + "; nothing changed")))
        .thenCompose(x -> {
          timeline.mark("drained");
          return behind(millis);
        })
        .thenCompose(behind -> {
          timeline.mark("caught up");
          if (behind.contains(target)) {
            return CompletableFuture.failedFuture(new BlockDeviceException(Kind.UNAVAILABLE, "the copy on " + target
                + " did not catch up within " + bound + "; nothing changed"));
          }
          if (!behind.isEmpty()) {
            log.info("volume {}: holders {} did not catch up before the handover and will be resynced", view.name(),
                behind);
          }
          return commit.apply(behind).whenComplete((epoch, e) -> timeline.mark("committed"));
        });
    return done.whenComplete((epoch, e) -> {
      if (e == null) {
        // Before the held changes go again: they must find this device no longer primary.
        fencing.seen(epoch);
      }
      gate.open();
      timeline.mark("released");
    });
  }

  /** The holders that have not applied everything sent to them within the bound (or whose stream broke). */
  private CompletableFuture<List<String>> behind(long millis) {
    List<String> holders = view.replicaNodes(view.get());
    Map<String, CompletableFuture<Boolean>> caughtUp = new LinkedHashMap<>();
    sequencer.inTurn(t -> {
      for (String h : holders) {
        caughtUp.put(h, links.drained(h).orTimeout(millis, TimeUnit.MILLISECONDS).handle((x, e) -> e == null));
      }
      return null;
    });
    return CompletableFuture.allOf(caughtUp.values().toArray(CompletableFuture[]::new)).thenApply(x -> {
      List<String> behind = new ArrayList<>();
      caughtUp.forEach((h, ok) -> {
        if (!ok.join() || links.broken(h)) {
          behind.add(h);
        }
      });
      return behind;
    });
  }
}
