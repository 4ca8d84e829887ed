package org.snipblock.cluster.replica;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.snipblock.cluster.meta.Stripes;
import org.snipblock.cluster.proto.SnippetPlacement;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.replica.CopyDigests.SnippetDigests;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pass over a volume that compares every copy with the primary's, snippet by snippet, by
 * CRC32C digests of chunks taken at one point of the sequence. A repairing pass (a scrub) then
 * overwrites a replica's differing or unreadable chunks with sequenced copies and restores chunks
 * the primary itself cannot read from a replica in sync; a verify only reports. Stale holders are
 * compared but not repaired here: their resync does that. Each snippet waits for the node's
 * background budget before it is compared, and the scrub's own rate after ({@link BackgroundPace}).
 */
final class Scrub {
  private static final Logger log = LoggerFactory.getLogger(Scrub.class);

  /** What the pass found on one node's copy so far. */
  private static final class Tally {
    final boolean primary;
    boolean stale;
    long snippetsTotal;
    long snippetsDone;
    long differing;
    long bad;
    long repaired;
    long bytesCopied;
    String error;
    final List<Integer> snippets = new ArrayList<>();
    int snapshotsCompared;
    List<String> snapshotsDiffering = List.of();

    Tally(boolean primary) {
      this.primary = primary;
    }
  }

  private final VolumeView view;
  private final Fencing fencing;
  private final CopyDigests digests;
  private final SnapshotCheck snapshots;
  private final ReplicaRegistry registry;
  private final ReadRepair readRepair;
  private final String selfId;
  private final boolean repair;
  private final BackgroundPace pace;
  private final VolumeRecord volume;
  private final Map<String, Tally> tallies = new LinkedHashMap<>();
  private volatile boolean running = true;
  private volatile String failure;

  Scrub(VolumeView view, Fencing fencing, CopyDigests digests, SnapshotCheck snapshots, ReplicaRegistry registry,
      ReadRepair readRepair, boolean repair, BackgroundPace pace) {
    this.view = view;
    this.snapshots = snapshots;
    this.registry = registry;
    this.fencing = fencing;
    this.digests = digests;
    this.readRepair = readRepair;
    this.selfId = view.selfId;
    this.repair = repair;
    this.pace = pace;
    this.volume = view.get();
    tallies.put(selfId, new Tally(true));
    int snippets = Math.toIntExact(Stripes.snippets(volume));
    for (int i = 0; i < snippets; i++) {
      SnippetPlacement s = Stripes.at(volume, i);
      tallies.get(selfId).snippetsTotal++;
      for (String n : s.getNodesList()) {
        if (!n.equals(selfId)) {
          Tally t = tallies.computeIfAbsent(n, x -> new Tally(false));
          t.snippetsTotal++;
          t.snippets.add(i);
          t.stale |= s.getStaleList().contains(n);
        }
      }
    }
  }

  boolean repairs() {
    return repair;
  }

  CompletableFuture<VerifyReport> run() {
    return InTurn.run(Math.toIntExact(Stripes.snippets(volume)), this::snippet).thenCompose(x -> snapshots()).handle((x, e) -> {
      running = false;
      if (e != null) {
        failure = String.valueOf(e.getMessage());
        log.warn("volume {}: {} stopped: {}", volume.getName(), purpose(), failure);
      }
      VerifyReport r = report();
      log.info("volume {}: {} done: {}", volume.getName(), purpose(), r);
      return r;
    });
  }

  private String purpose() {
    return repair ? "scrub" : "verify";
  }

  private CompletableFuture<Void> snippet(int index) {
    if (!fencing.primary()) {
      return CompletableFuture.failedFuture(new IllegalStateException("no longer the primary"));
    }
    SnippetPlacement placement = Stripes.at(view.get(), index);
    List<String> holders = placement.getNodesList().stream().filter(n -> !n.equals(selfId)).toList();
    long length = Math.max(0, Math.min(volume.getSnippetSize(), volume.getSize() - (long) index * volume.getSnippetSize()));
    return pace.budget(length).thenCompose(x -> digests.at(index, holders).thenCompose(this::confirmed)).thenCompose(d -> {
      List<CompletableFuture<Void>> repairs = new ArrayList<>();
      synchronized (this) {
        Tally self = tallies.get(selfId);
        self.snippetsDone++;
        for (int c = 0; c < d.ours().size(); c++) {
          long offset = d.start() + (long) c * Resync.CHUNK;
          if (d.ours().get(c) == ChunkDigests.UNREADABLE) {
            self.bad++;
            if (repair) {
              repairs.add(tolerate(selfId, restoreHere(d, c, offset, placement)));
            }
            continue;
          }
          for (Map.Entry<String, List<Long>> theirs : d.theirs().entrySet()) {
            long crc = c < theirs.getValue().size() ? theirs.getValue().get(c) : ChunkDigests.UNREADABLE;
            if (crc == d.ours().get(c)) {
              continue;
            }
            Tally t = tallies.get(theirs.getKey());
            if (crc == ChunkDigests.UNREADABLE) {
              t.bad++;
            } else {
              t.differing++;
            }
            if (repair && !placement.getStaleList().contains(theirs.getKey())) {
              repairs.add(tolerate(theirs.getKey(), copyTo(theirs.getKey(), offset, chunkLength(offset))));
            }
          }
        }
        d.theirs().keySet().forEach(n -> tallies.get(n).snippetsDone++);
        d.errors().forEach((n, why) -> tallies.get(n).error = why);
      }
      return pace.after(CompletableFuture.allOf(repairs.toArray(CompletableFuture[]::new)),
          d.ours().size() * (long) Resync.CHUNK);
    });
  }

  /**
   * The snippet's digests with the chunks that differ compared again at one exact point (a change
   * sequenced after the first comparison may have reached a holder before its digests were read):
   * a difference counts only if it is still there then. Only the holders that differed are
   * compared again (and held meanwhile); the others agreed, and are taken to agree with the second
   * reading here too. A holder that the second comparison could not read is reported with why, its
   * snippet not compared.
   */
  private CompletableFuture<SnippetDigests> confirmed(SnippetDigests d) {
    int first = -1;
    int last = -1;
    List<String> again = new ArrayList<>();
    for (Map.Entry<String, List<Long>> theirs : d.theirs().entrySet()) {
      for (int c = 0; c < d.ours().size(); c++) {
        if (differs(d.ours(), theirs.getValue(), c)) {
          first = first < 0 ? c : Math.min(first, c);
          last = Math.max(last, c);
          if (!again.contains(theirs.getKey())) {
            again.add(theirs.getKey());
          }
        }
      }
    }
    if (again.isEmpty()) {
      return CompletableFuture.completedFuture(d);
    }
    int from = first;
    long start = d.start() + (long) first * Resync.CHUNK;
    long end = Math.min(volume.getSize(), d.start() + (long) (last + 1) * Resync.CHUNK);
    return digests.exact(start, end - start, again).thenApply(exact -> {
      List<Long> ours = new ArrayList<>(d.ours());
      for (int c = 0; c < exact.ours().size(); c++) {
        ours.set(from + c, exact.ours().get(c));
      }
      Map<String, List<Long>> theirs = new LinkedHashMap<>();
      Map<String, String> errors = new LinkedHashMap<>(d.errors());
      d.theirs().forEach((n, list) -> {
        List<Long> merged = new ArrayList<>(list);
        if (!again.contains(n)) {
          for (int c = from; c < from + exact.ours().size() && c < merged.size(); c++) {
            if (d.ours().get(c) != ChunkDigests.UNREADABLE && merged.get(c).equals(d.ours().get(c))) {
              merged.set(c, ours.get(c));
            }
          }
          theirs.put(n, merged);
          return;
        }
        List<Long> now = exact.theirs().get(n);
        if (now == null) {
          errors.put(n, "not compared again: " + exact.errors().get(n));
          return;
        }
        for (int c = 0; c < now.size() && from + c < merged.size(); c++) {
          merged.set(from + c, now.get(c));
        }
        theirs.put(n, merged);
      });
      return new SnippetDigests(d.start(), ours, theirs, errors);
    });
  }

  /** Both copies' chunk {@code c} readable and different. */
  private static boolean differs(List<Long> ours, List<Long> theirs, int c) {
    long crc = c < theirs.size() ? theirs.get(c) : ChunkDigests.UNREADABLE;
    return crc != ChunkDigests.UNREADABLE && ours.get(c) != ChunkDigests.UNREADABLE && crc != ours.get(c);
  }

  /**
   * Then every holder's snapshots; a scrub puts a holder whose snapshots differ on record as stale,
   * so its resync rebuilds them from this copy's.
   */
  private CompletableFuture<Void> snapshots() {
    synchronized (this) {
      tallies.get(selfId).snapshotsCompared = snapshots.count();
    }
    List<String> holders = tallies.keySet().stream().filter(n -> !n.equals(selfId)).toList();
    return InTurn.run(holders.size(), i -> {
      String node = holders.get(i);
      Tally t = tallies.get(node);
      return snapshots.of(node, t.snippets).thenCompose(r -> {
        synchronized (this) {
          t.snapshotsCompared = r.compared();
          t.snapshotsDiffering = r.differing();
        }
        if (repair && !r.differing().isEmpty() && !t.stale) {
          log.warn("volume {}: the snapshots of {} differ ({}): it goes on record as stale, its resync rebuilds them",
              volume.getName(), node, r.differing());
          return registry.markStale(volume.getName(), volume.getEpoch(), node, true, List.of());
        }
        return CompletableFuture.completedFuture(null);
      }).exceptionally(e -> {
        synchronized (this) {
          t.error = "snapshots not compared: " + e.getMessage();
        }
        return null;
      });
    });
  }

  /** A repair that fails is reported on the copy; the pass goes on with the rest. */
  private CompletableFuture<Void> tolerate(String node, CompletableFuture<Void> repairing) {
    return repairing.exceptionally(e -> {
      synchronized (this) {
        tallies.get(node).error = "repair failed: " + e.getMessage();
      }
      return null;
    });
  }

  private int chunkLength(long offset) {
    return (int) Math.min(Resync.CHUNK, volume.getSize() - offset);
  }

  /** This copy's chunk is bad: restore it from a replica, then bring every holder that differs from it in line. */
  private CompletableFuture<Void> restoreHere(SnippetDigests d, int c, long offset, SnippetPlacement placement) {
    return readRepair.repairLocal(offset, chunkLength(offset)).thenCompose(good -> {
      long crc = Integer.toUnsignedLong(Checksums.crc32c(good));
      List<CompletableFuture<Void>> copies = new ArrayList<>();
      synchronized (this) {
        tallies.get(selfId).repaired++;
        d.theirs().forEach((n, list) -> {
          if (!placement.getStaleList().contains(n) && (c >= list.size() || list.get(c) != crc)) {
            Tally t = tallies.get(n);
            if (c < list.size() && list.get(c) == ChunkDigests.UNREADABLE) {
              t.bad++;
            } else {
              t.differing++;
            }
            copies.add(copyTo(n, offset, chunkLength(offset)));
          }
        });
      }
      return CompletableFuture.allOf(copies.toArray(CompletableFuture[]::new));
    });
  }

  private CompletableFuture<Void> copyTo(String node, long offset, int length) {
    return readRepair.copyTo(node, offset, length).thenRun(() -> {
      synchronized (this) {
        Tally t = tallies.get(node);
        t.repaired++;
        t.bytesCopied += length;
      }
    });
  }

  synchronized List<ResyncProgress> progress() {
    List<ResyncProgress> out = new ArrayList<>();
    tallies.forEach((n, t) -> {
      if (!t.primary) {
        out.add(new ResyncProgress(n, t.snippetsDone, t.snippetsTotal, t.bytesCopied, running,
            t.error != null ? t.error : failure, purpose()));
      }
    });
    return out;
  }

  private synchronized VerifyReport report() {
    List<VerifyReport.CopyCheck> copies = new ArrayList<>();
    tallies.forEach((n, t) -> copies.add(new VerifyReport.CopyCheck(n, t.primary, t.stale, t.snippetsDone,
        t.differing, t.bad, t.repaired, t.error != null ? t.error
            : t.snippetsDone < t.snippetsTotal ? String.valueOf(failure) : null, t.snapshotsCompared,
        List.copyOf(t.snapshotsDiffering))));
    return new VerifyReport(volume.getName(), volume.getEpoch(), volume.getPrimary(), Resync.CHUNK, copies);
  }
}
