package org.snipblock.store;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;

/**
 * Every volume's snapshots as the last admin step left them, so that listing them never waits for
 * the admin lock. A step may hold that lock through a durable journal commit (a mode switch's label
 * rewrite under write load: up to a second), and the switch's own answer lists the volume's
 * snapshots.
 *
 * <p>Rebuilt whole at the end of every outermost admin step, still under the lock, and published
 * with one volatile write. A reader therefore sees the snapshots, their names, children and clones
 * as they stood between two steps, never part of a snapshot, delete, rollback or clone; and a step
 * that returned before the read began is always in it. Byte counts are not captured: they are read
 * from the layers' maps when listed, as before, when writes to the live layer already changed them
 * under a lister that held the admin lock.
 */
final class SnapshotCatalog {
  /** One snapshot as published: its layer, what a listing names, and the layers reading through to it. */
  record Entry(Layer layer, String name, long createdMillis, long origin, List<Layer> children, List<String> clones) {}

  private volatile Map<Long, List<Entry>> byVolume = Map.of();

  /** The snapshots of the volume with this id, oldest first, as last published. */
  List<Entry> of(long volumeId) {
    return byVolume.getOrDefault(volumeId, List.of());
  }

  /** Captures every volume's snapshots as they are now. Under the admin lock, so no step is half done. */
  void publish(Collection<Volume> volumes, Collection<Layer> layers) {
    Map<Long, String> names = new HashMap<>();
    volumes.forEach(v -> names.put(v.id(), v.descriptor().name()));
    Map<Long, List<Layer>> own = new HashMap<>();
    Map<Layer, List<Layer>> children = new IdentityHashMap<>();
    for (Layer l : layers) {
      own.computeIfAbsent(l.owner, o -> new ArrayList<>()).add(l);
      Layer parent = l.parent();
      if (parent != null) {
        children.computeIfAbsent(parent, p -> new ArrayList<>()).add(l);
      }
    }
    Map<Long, List<Entry>> out = new HashMap<>();
    own.forEach((owner, ls) -> {
      ls.sort(Layer.OLDEST_FIRST);
      List<Entry> entries = new ArrayList<>();
      for (Layer l : ls) {
        if (l.snapshot() != null && !l.dropped()) {
          entries.add(entry(l, children.getOrDefault(l, List.of()), id -> names.getOrDefault(id, String.valueOf(id))));
        }
      }
      if (!entries.isEmpty()) {
        out.put(owner, List.copyOf(entries));
      }
    });
    byVolume = Map.copyOf(out);
  }

  /** Snapshot {@code s} with {@code children}, the layers reading through to it directly. */
  static Entry entry(Layer s, List<Layer> children, LongFunction<String> volumeName) {
    return new Entry(s, s.snapshot(), s.createdMillis(), s.origin(), List.copyOf(children),
        clones(s, children, volumeName));
  }

  /** The volumes among {@code children}'s owners other than {@code s}'s own: its clones, by name. */
  static List<String> clones(Layer s, List<Layer> children, LongFunction<String> volumeName) {
    List<String> out = new ArrayList<>();
    for (Layer l : children) {
      if (l.owner != s.owner) {
        out.add(volumeName.apply(l.owner));
      }
    }
    out.sort(String::compareTo);
    return List.copyOf(out);
  }
}
