package org.snipblock.cluster.replica;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.snipblock.cluster.meta.Stripes;
import org.snipblock.cluster.proto.SnippetPlacement;
import org.snipblock.cluster.proto.VolumeRecord;

/**
 * Futures that complete once a stale holder's copy is on record as in sync again. A stale
 * holder's acknowledgement of a change counts toward the write quorum only then: once a resync of
 * the snippet has completed, the holder has every change sequenced before the resync compared it,
 * and an acknowledged change sequenced later came over the same ordered stream.
 */
final class InSyncOnRecord {
  private record Waiter(String node, int snippet, CompletableFuture<Void> done) {}

  private final Supplier<VolumeRecord> record;
  // Each waiter leaves the set as soon as it is done (released, or cancelled once its quorum no longer needs it).
  private final Set<Waiter> waiters = new HashSet<>();

  /** @param record the device's current view of the volume (updated before {@link #recorded} is called) */
  InSyncOnRecord(Supplier<VolumeRecord> record) {
    this.record = record;
  }

  /** Completes when the node's copy of the snippet (of every snippet it holds, if {@code snippet < 0}) is in sync. */
  synchronized CompletableFuture<Void> await(String node, int snippet) {
    if (inSync(record.get(), node, snippet)) {
      return CompletableFuture.completedFuture(null);
    }
    Waiter w = new Waiter(node, snippet, new CompletableFuture<>());
    waiters.add(w);
    w.done().whenComplete((x, e) -> forget(w));
    return w.done();
  }

  private synchronized void forget(Waiter w) {
    waiters.remove(w);
  }

  /** A newer view of the volume arrived: releases the waiters it shows in sync. */
  void recorded() {
    VolumeRecord v = record.get();
    release(w -> inSync(v, w.node(), w.snippet()));
  }

  /** A resync's "in sync" for these stripes of the node was committed (the view may follow later). */
  void recorded(String node, Collection<Long> stripes) {
    VolumeRecord v = record.get();
    release(w -> w.node().equals(node) && (w.snippet() < 0
        ? staleStripes(v, node).stream().allMatch(i -> stripes.contains((long) i))
        : stripes.contains((long) Stripes.of(v, w.snippet()))));
  }

  /** The device is closing: nobody will resync any more. */
  void failAll(Throwable why) {
    List<Waiter> out;
    synchronized (this) {
      out = new ArrayList<>(waiters);
      waiters.clear();
    }
    out.forEach(w -> w.done().completeExceptionally(why));
  }

  private void release(java.util.function.Predicate<Waiter> ready) {
    List<Waiter> out = new ArrayList<>();
    synchronized (this) {
      for (Waiter w : waiters) {
        if (ready.test(w)) {
          out.add(w);
        }
      }
    }
    out.forEach(w -> w.done().complete(null));
  }

  private static boolean inSync(VolumeRecord v, String node, int snippet) {
    if (snippet >= 0) {
      return v.getSnippetsCount() == 0 || !Stripes.at(v, snippet).getStaleList().contains(node);
    }
    return staleStripes(v, node).isEmpty();
  }

  private static List<Integer> staleStripes(VolumeRecord v, String node) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < v.getSnippetsCount(); i++) {
      SnippetPlacement s = v.getSnippets(i);
      if (s.getStaleList().contains(node)) {
        out.add(i);
      }
    }
    return out;
  }
}
