package org.snipblock.cluster;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.snipblock.cluster.meta.SnippetModes;
import org.snipblock.cluster.meta.Stripes;
import org.snipblock.cluster.proto.SnippetPlacement;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.store.SnippetLabel;
import org.snipblock.store.SnippetRef;
import org.snipblock.store.SnippetStore;
import org.snipblock.store.VolumeInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this node's snippet labels in line with the placement on record (holders and sync flag),
 * in the background: a label rewrite touches every snippet of a volume, which must not hold up
 * creating or cloning it (O(1) whatever the size); labels are for rebuilding the catalog from the
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
      new LinkedBlockingQueue<>(), r -> {
        Thread t = new Thread(r, "copy-labels");
        t.setDaemon(true);
        return t;
      });

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
    // Every snippet of a stripe wants the same label: rewritten stripe by stripe, in batches.
    for (int stripe = 0; stripe < v.getSnippetsCount(); stripe++) {
      SnippetPlacement p = v.getSnippets(stripe);
      List<Long> indexes = Stripes.snippetsOf(v, stripe).boxed().toList();
      if (!p.getNodesList().contains(selfId)) {
        indexes.forEach(i -> released(store, info, v, i));
        continue;
      }
      // The stripe's own flag: its override if it has one, else the volume's mode.
      SnippetLabel.Mode mode = SnippetModes.ASYNC.equals(SnippetModes.effective(v, stripe))
          ? SnippetLabel.Mode.ASYNC : SnippetLabel.Mode.SYNC;
      List<String> replicas = p.getNodesList();
      store.updateLabels(info.id(), indexes, l -> l.withReplicas(replicas).withMode(mode));
    }
  }

  /**
   * A snippet this node held and no longer does (its copy moved away, as a relocation does): its
   * data is trimmed here, so the space is free again, and its label rewritten to name the holders
   * it has now, so a scan of this node's labels still finds them. The primary keeps what it serves.
   */
  private void released(SnippetStore store, VolumeInfo info, VolumeRecord v, long i) {
    SnippetRef ref = new SnippetRef(info.id(), i);
    Optional<SnippetLabel> label = store.readLabel(ref);
    List<String> holders = Stripes.at(v, i).getNodesList();
    if (label.isEmpty() || selfId.equals(v.getPrimary()) || label.get().replicas().equals(holders)) {
      return;
    }
    if (label.get().replicas().contains(selfId)) {
      long offset = i * v.getSnippetSize();
      long length = Math.min(v.getSnippetSize(), v.getSize() - offset);
      try (var device = store.open(v.getName()).orElseThrow()) {
        device.trim(offset, length, false).get();
      } catch (Exception e) {
        log.warn("volume {} snippet {}: released copy not trimmed on {}: {}", v.getName(), i, selfId, e.toString());
        return;
      }
      log.info("volume {} snippet {}: copy released on {} (now on {})", v.getName(), i, selfId, holders);
    }
    store.updateLabel(ref, l -> l.withReplicas(holders));
  }
}
