package org.snipblock.cluster.meta;

import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.snipblock.cluster.proto.VolumeRecord;

/**
 * Which volumes are clones of which: the parent link is on each clone's record, so the children
 * of a volume (or of one of its snapshots) are found by a scan of the records. That scan is what
 * refuses, cluster-wide, deleting a volume or snapshot that clones still read through.
 */
public final class Clones {
  private Clones() {}

  /** Names of the clones of {@code volume} (of any of its snapshots when {@code snapshot} is null), sorted. */
  public static List<String> of(Collection<VolumeRecord> volumes, String volume, String snapshot) {
    return volumes.stream().filter(v -> v.getParent().equals(volume)
        && (snapshot == null || v.getParentSnapshot().equals(snapshot))).map(VolumeRecord::getName).sorted().toList();
  }

  /** {@code VOLUME@SNAPSHOT} for a clone, null for a volume without a parent. */
  public static String parentOf(VolumeRecord v) {
    return v.getParent().isEmpty() ? null : v.getParent() + "@" + v.getParentSnapshot();
  }

  /**
   * The nodes holding the parent's copy of a clone's stripe, where the clone's copy can be a local
   * clone of the parent's snapshot, sharing its data; none for a volume without a parent, or whose
   * parent is gone or striped differently. {@code volumes} looks a volume up by name as the caller
   * sees it (the record, or what the caller changed in this round).
   */
  public static List<String> parentHolders(VolumeRecord v, int stripe, Function<String, Optional<VolumeRecord>> volumes) {
    if (v.getParent().isEmpty()) {
      return List.of();
    }
    VolumeRecord parent = volumes.apply(v.getParent()).orElse(null);
    if (parent == null || parent.getUid() != v.getParentUid() || parent.getSnippetsCount() != v.getSnippetsCount()) {
      return List.of();
    }
    return parent.getSnippets(stripe).getNodesList();
  }

  /**
   * The volumes, every parent before its clones (then by name): what places or moves copies of
   * them in this order puts a parent's copy somewhere before its clones' copies follow it there.
   */
  public static List<VolumeRecord> parentsFirst(Collection<VolumeRecord> volumes) {
    Map<String, VolumeRecord> byName = new HashMap<>();
    volumes.forEach(v -> byName.put(v.getName(), v));
    Map<String, Integer> depth = new HashMap<>();
    for (VolumeRecord v : volumes) {
      int d = 0;
      for (VolumeRecord p = byName.get(v.getParent()); p != null && d < byName.size(); p = byName.get(p.getParent())) {
        d++;
      }
      depth.put(v.getName(), d);
    }
    return volumes.stream().sorted(Comparator.comparing((VolumeRecord v) -> depth.get(v.getName()))
        .thenComparing(VolumeRecord::getName)).toList();
  }
}
