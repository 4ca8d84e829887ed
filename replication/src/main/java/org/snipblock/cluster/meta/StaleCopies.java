package org.snipblock.cluster.meta;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.snipblock.cluster.proto.SnippetPlacement;
import org.snipblock.cluster.proto.VolumeRecord;

/** Which holders of a volume's stripes are stale (may miss changes), and changing that. */
public final class StaleCopies {
  private StaleCopies() {}

  /** True if the node's copy of any stripe of the volume is stale. */
  public static boolean anywhere(VolumeRecord v, String node) {
    return v.getSnippetsList().stream().anyMatch(s -> s.getStaleList().contains(node));
  }

  /** Every node stale in at least one stripe, sorted. */
  public static List<String> nodes(VolumeRecord v) {
    TreeSet<String> out = new TreeSet<>();
    v.getSnippetsList().forEach(s -> out.addAll(s.getStaleList()));
    return new ArrayList<>(out);
  }

  /** Marks (or clears) the node stale in the given stripes it holds (all it holds if none are given). */
  static VolumeRecord mark(VolumeRecord v, String node, boolean stale, List<Long> only) {
    VolumeRecord.Builder b = v.toBuilder();
    for (int i = 0; i < b.getSnippetsCount(); i++) {
      SnippetPlacement s = b.getSnippets(i);
      if (s.getNodesList().contains(node) && (only.isEmpty() || only.contains((long) i))) {
        b.setSnippets(i, mark(s, node, stale));
      }
    }
    return b.build();
  }

  static SnippetPlacement mark(SnippetPlacement s, String node, boolean stale) {
    List<String> list = new ArrayList<>(s.getStaleList());
    if (stale && !list.contains(node)) {
      list.add(node);
    } else if (!stale) {
      list.remove(node);
    }
    return s.toBuilder().clearStale().addAllStale(list).build();
  }
}
