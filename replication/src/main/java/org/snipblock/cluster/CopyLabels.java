package org.snipblock.cluster;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.snipblock.block.DaemonThreads;
import org.snipblock.cluster.meta.SnippetModes;
import org.snipblock.block.Extent;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.store.SnippetLabel;
import org.snipblock.store.SnippetStore;
import org.snipblock.store.StripeLabels;
import org.snipblock.store.VolumeInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this node's snippet labels in line with the placement on record (holders and sync flag per
 * stripe, {@link StripeLabels}), in the background: labels are for rebuilding the catalog from the
 * disks, so they may trail the record by a moment. A snippet this node no longer holds is trimmed.
 * Changes to one volume coalesce: only the newest record is applied.
 */
final class CopyLabels {
  private static final Logger log = LoggerFactory.getLogger(CopyLabels.class);

  private record Wanted(SnippetStore store, VolumeInfo info, VolumeRecord record) {}

  private final String selfId;
  private final Map<String, Wanted> pending = new ConcurrentHashMap<>();
  // Per volume: the placement its labels were last brought in line with.
  private final Map<String, List<Object>> done = new ConcurrentHashMap<>();
  // One thread at most, gone when idle (no close to forget).
  private final ThreadPoolExecutor worker = new ThreadPoolExecutor(0, 1, 30, TimeUnit.SECONDS,
      new LinkedBlockingQueue<>(), DaemonThreads.named("copy-labels"));

  CopyLabels(String selfId) {
    this.selfId = selfId;
  }

  /** Brings the volume's labels in line with {@code v} soon. */
  void follow(SnippetStore store, VolumeInfo info, VolumeRecord v) {
    List<Object> placement = placement(info, v);
    if (placement.equals(done.get(v.getName()))) {
      return;
    }
    if (pending.put(v.getName(), new Wanted(store, info, v)) == null) {
      worker.execute(() -> apply(v.getName()));
    }
  }

  void forget(String name) {
    pending.remove(name);
    done.remove(name);
  }

  private static List<Object> placement(VolumeInfo info, VolumeRecord v) {
    return List.of(info.id(), v.getSize(), v.getMode(), v.getSnippetsList());
  }

  private void apply(String name) {
    Wanted w = pending.remove(name);
    if (w == null) {
      return;
    }
    try {
      relabel(w.store(), w.info(), w.record());
      done.put(name, placement(w.info(), w.record()));
    } catch (RuntimeException e) {
      log.info("volume {}: labels on {} not rewritten now: {}", name, selfId, e.getMessage());
    }
  }

  private void relabel(SnippetStore store, VolumeInfo info, VolumeRecord v) {
    StripeLabels before = store.labelIndex().stripeLabels(info.id());
    List<StripeLabels.Stripe> stripes = new ArrayList<>();
    for (int stripe = 0; stripe < v.getSnippetsCount(); stripe++) {
      // The stripe's own flag: its override if it has one, else the volume's mode.
      SnippetLabel.Mode mode = SnippetModes.ASYNC.equals(SnippetModes.effective(v, stripe))
          ? SnippetLabel.Mode.ASYNC : SnippetLabel.Mode.SYNC;
      stripes.add(new StripeLabels.Stripe(mode, v.getSnippets(stripe).getNodesList()));
    }
    if (!released(store, info, v, before, stripes)) {
      return;
    }
    store.labelIndex().setStripeLabels(info.id(), stripes);
  }

  /**
   * Copies this node held and no longer does (a stripe moved away, as a relocation does): their
   * data is trimmed here, so the space is free again, before the labels name the holders they
   * have now, so a scan of this node's labels still finds them. The primary keeps what it serves.
   *
   * @return false if a trim failed (the labels stay as they are, and the next change tries again)
   */
  private boolean released(SnippetStore store, VolumeInfo info, VolumeRecord v, StripeLabels before,
      List<StripeLabels.Stripe> after) {
    if (selfId.equals(v.getPrimary()) || before.stripes().size() != after.size()) {
      return true;
    }
    BitSet gone = new BitSet();
    for (int s = 0; s < after.size(); s++) {
      if (before.stripes().get(s).replicas().contains(selfId) && !after.get(s).replicas().contains(selfId)) {
        gone.set(s);
      }
    }
    if (gone.isEmpty()) {
      return true;
    }
    long snippet = v.getSnippetSize();
    try (var device = store.open(v.getName()).orElseThrow()) {
      long last = -1;
      for (Extent e : device.allocation(0, v.getSize()).get()) {
        if (e.hole()) {
          continue;
        }
        for (long i = Math.max(last + 1, e.offset() / snippet); i * snippet < e.offset() + e.length(); i++) {
          last = i;
          if (gone.get((int) (i % after.size()))) {
            device.trim(i * snippet, Math.min(snippet, v.getSize() - i * snippet), false).get();
            log.info("volume {} snippet {}: copy released on {} (now on {})", v.getName(), i, selfId,
                after.get((int) (i % after.size())).replicas());
          }
        }
      }
    } catch (Exception e) {
      log.warn("volume {}: released copies not trimmed on {}: {}", v.getName(), selfId, e.toString());
      return false;
    }
    return true;
  }
}
