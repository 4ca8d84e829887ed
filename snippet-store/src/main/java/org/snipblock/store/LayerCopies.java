package org.snipblock.store;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.snipblock.store.VolumeAdminException.Reason;
import org.snipblock.store.journal.JournalBatch;
import org.snipblock.store.journal.JournalBatch.Space;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves chunk versions between layers, snippet by snippet under that snippet's stripes: merging a
 * deleted snapshot into the layers above it, and copying a clone's parent data into the clone
 * (a flatten step). Each destination gets its copies before anything is deleted at the source, so
 * readers always find every chunk.
 */
final class LayerCopies {
  private static final Logger log = LoggerFactory.getLogger(LayerCopies.class);
  private final SnippetStore store;
  private final java.util.concurrent.Executor background;
  private final List<Runnable> pending = new ArrayList<>();

  LayerCopies(SnippetStore store, java.util.concurrent.Executor background) {
    this.store = store;
    this.background = background;
  }

  /** Layers reading through to {@code s} directly: its volume's next layers and clones' bottoms. */
  List<Layer> children(Layer s) {
    List<Layer> out = new ArrayList<>();
    for (Layer l : store.layers().values()) {
      if (l.parent() == s) {
        out.add(l);
      }
    }
    return out;
  }

  /**
   * Moves into each child what it still reads from {@code s}, snippet by snippet under that
   * snippet's stripes, then unlinks {@code s}. Each child first gets its copies (so reads find them
   * there), and only then are they deleted from {@code s}.
   */
  void mergeAway(Volume v, Layer s) {
    List<Layer> children = children(s);
    for (long sn = s.map.nextSnippet(0, Long.MAX_VALUE); sn >= 0; sn = s.map.nextSnippet(sn + 1, Long.MAX_VALUE)) {
      mergeSnippet(v, s, children, sn);
    }
    unlink(s, children);
  }

  /**
   * {@link #mergeAway} on a background thread, one snippet per step under the admin lock, so other
   * admin calls (a snapshot in the replication stream) wait for one step, not for the whole merge.
   * The layers above are found again at every step: a snapshot or rollback may have changed them.
   */
  void mergeAwayLater(Volume v, Layer s) {
    try {
      background.execute(() -> {
        try {
          for (long sn = 0; sn >= 0; ) {
            long from = sn;
            if (store.closing() || v.deleted()) {
              return; // the DELETING record stays: the next start finishes the merge
            }
            sn = store.underAdminLock(() -> {
              long next = s.map.nextSnippet(from, Long.MAX_VALUE);
              if (next >= 0) {
                mergeSnippet(v, s, children(s), next);
                return next + 1;
              }
              unlink(s, children(s));
              return -1L;
            });
          }
          log.info("snapshot layer {} of {} merged away", s.id, v.descriptor().name());
        } catch (RuntimeException e) {
          if (!store.closing()) {
            log.error("merging away a deleted snapshot of {} stopped; the next start finishes it",
                v.descriptor().name(), e);
          }
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closing: the DELETING record stays and the next start finishes the merge
    }
  }

  private void mergeSnippet(Volume v, Layer s, List<Layer> children, long sn) {
    boolean compress = v.descriptor().compression();
    int per = s.map.chunksPerSnippet();
    long first = sn * per;
    long end = first + per;
    int[] stripes = store.locks().stripesFor(v.id(), first, end - 1);
    store.locks().acquire(stripes);
    try {
      JournalBatch copies = new JournalBatch();
      List<List<long[]>> changes = new ArrayList<>();
      children.forEach(ch -> changes.add(new ArrayList<>()));
      // Slots of s that a child of the same volume takes over as they are: same file, no copy.
      BitSet handedOver = new BitSet();
      s.map.forEach(first, end, (c, st) -> {
        boolean handed = false;
        for (int i = 0; i < children.size(); i++) {
          Layer ch = children.get(i);
          if (ch.map.state(c) != AllocationMap.HOLE) {
            continue;
          }
          long loc = s.map.location(c);
          if (!handed && loc != AllocationMap.NO_LOCATION && ch.owner == s.owner) {
            int slot = AllocationMap.slotOf(loc);
            copies.put(Space.ALLOCATION, StoreDb.key(ch.id, c),
                new ChunkEntry(st, s.owner, slot, AllocationMap.crcOf(loc)).encode());
            changes.get(i).add(new long[] {c, st, slot, AllocationMap.crcOf(loc)});
            handedOver.set(slot);
            handed = true;
          } else {
            copy(s, ch, c, st, compress, copies, changes.get(i));
          }
        }
      });
      if (!copies.isEmpty()) {
        try {
          store.commit(copies);
        } catch (RuntimeException e) {
          for (int i = 0; i < children.size(); i++) {
            Layer ch = children.get(i);
            changes.get(i).removeIf(a -> a.length == 4 && ch.owner == s.owner && handedOver.get((int) a[2]));
            data().abandon(ch.owner, changes.get(i));
          }
          throw e;
        }
        for (int i = 0; i < children.size(); i++) {
          data().apply(children.get(i), changes.get(i));
        }
      }
      // A child may also hold a slot of s from a merge step a crash interrupted: it stays too.
      s.map.forEach(first, end, (c, st) -> {
        long loc = s.map.location(c);
        for (Layer ch : children) {
          if (loc != AllocationMap.NO_LOCATION && ch.owner == s.owner && ch.map.location(c) == loc) {
            handedOver.set(AllocationMap.slotOf(loc));
          }
        }
      });
      store.commit(new JournalBatch()
          .deleteRange(Space.BLOCKS, StoreDb.key(s.id, first), StoreDb.key(s.id, end))
          .deleteRange(Space.ALLOCATION, StoreDb.key(s.id, first), StoreDb.key(s.id, end)));
      s.map.clear(first, end, slot -> {
        if (!handedOver.get(slot)) {
          data().extents().release(s.owner, slot);
        }
      });
    } finally {
      store.locks().release(stripes);
    }
  }

  private ChunkData data() {
    return store.chunkData();
  }

  private void unlink(Layer s, List<Layer> children) {
    JournalBatch unlink = new JournalBatch().delete(Space.LAYERS, StoreDb.key(s.id));
    Layer below = s.parent();
    Map<Long, List<Layer.Record>> byOwner = new HashMap<>();
    byOwner.put(s.owner, new ArrayList<>());
    for (Layer ch : children) {
      Layer.Record r = ch.record().withParent(below == null ? 0 : below.id);
      unlink.put(Space.LAYERS, StoreDb.key(ch.id), r.encode());
      byOwner.computeIfAbsent(ch.owner, o -> new ArrayList<>()).add(r);
    }
    byOwner.forEach((owner, changed) -> store.labelIndex().putHeadLayers(unlink, owner, changed,
        owner == s.owner ? List.of(s.id) : List.of()));
    store.commit(unlink);
    children.forEach(ch -> ch.parent(below));
    store.layers().remove(s.id);
  }

  /** Adds to {@code batch} (and {@code changes}) a copy of chunk {@code c} from one layer into another. */
  private void copy(Layer from, Layer to, long c, int state, boolean compress, JournalBatch batch,
      List<long[]> changes) {
    if (state == AllocationMap.TRIMMED) {
      batch.put(Space.ALLOCATION, StoreDb.key(to.id, c), ChunkEntry.encodeState(state));
      changes.add(new long[] {c, state});
      return;
    }
    if (state == AllocationMap.ZERO) {
      data().storeZeroes(to, c, compress, batch, changes);
      return;
    }
    byte[] bytes = new byte[BlockCodec.CHUNK];
    try {
      if (!data().read(from, c, java.nio.ByteBuffer.wrap(bytes), 0)) {
        throw new IllegalStateException("chunk " + c + " of " + from + " is missing");
      }
      // Compression may differ from the source's: the change records what is stored now.
      data().store(to, c, bytes, 0, 1, compress, false, batch, changes);
    } catch (Exception e) {
      throw new VolumeAdminException(Reason.INTERNAL, "cannot move chunk " + c + " out of " + from
          + " (" + e.getMessage() + "); the layer stays hidden and whole", e);
    }
  }

  /**
   * One step of a flatten: copies into {@code bottom} every chunk of one snippet that the volume
   * still reads from its parent's layers. Returns the data bytes copied.
   */
  long copyUpFromParent(Volume v, Layer bottom, long snippet) {
    Layer parent = bottom.parent();
    if (parent == null || !parent.touchesDownward(snippet)) {
      return 0;
    }
    int per = bottom.map.chunksPerSnippet();
    long first = snippet * per;
    long end = first + per;
    int[] stripes = store.locks().stripesFor(v.id(), first, end - 1);
    store.locks().acquire(stripes);
    try {
      JournalBatch batch = new JournalBatch();
      List<long[]> changes = new ArrayList<>();
      long bytes = 0;
      try {
        for (long c = first; c < end; c++) {
          Layer from = bottom.map.state(c) == AllocationMap.HOLE ? parent.find(c) : null;
          int st = from == null ? AllocationMap.HOLE : from.map.state(c);
          // Trimmed below reads as zeroes, and nothing will be below any more.
          if (st >= AllocationMap.ZERO) {
            copy(from, bottom, c, st, v.descriptor().compression(), batch, changes);
            bytes += st > AllocationMap.ZERO ? BlockCodec.CHUNK : 0;
          }
        }
        if (!batch.isEmpty()) {
          store.commit(batch);
        }
      } catch (RuntimeException e) {
        data().abandon(bottom.owner, changes);
        throw e;
      }
      data().apply(bottom, changes);
      return bytes;
    } finally {
      store.locks().release(stripes);
    }
  }

  /** The last step of a flatten: the volume stops reading from its parent. */
  void unlinkParent(Volume v, Layer bottom) {
    Layer.Record r = bottom.record().withParent(0);
    JournalBatch batch = new JournalBatch().put(Space.LAYERS, StoreDb.key(bottom.id), r.encode());
    store.labelIndex().putHeadLayers(batch, v.id(), List.of(r), List.of());
    store.commit(batch);
    bottom.parent(null);
  }

  /** Finishes merges a crash interrupted (records of kind DELETING). */
  void resumeAfterLoad(Collection<Layer.Record> records) {
    for (Layer.Record r : records) {
      if (r.kind() != Layer.Kind.DELETING) {
        continue;
      }
      Layer s = store.layers().get(r.id());
      Volume v = store.volumes().values().stream().filter(x -> x.id() == r.owner()).findFirst().orElse(null);
      if (s != null && v != null) {
        log.info("finishing the deletion of a snapshot of {} that a restart interrupted", v.descriptor().name());
        s.drop();
        pending.add(() -> mergeAway(v, s));
      }
    }
  }

  /** Runs the merges {@link #resumeAfterLoad} found, once the allocation maps are loaded. */
  void runPending() {
    pending.forEach(Runnable::run);
    pending.clear();
  }
}
