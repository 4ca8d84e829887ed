package org.snipblock.cluster.meta;

import java.util.Collection;
import java.util.List;
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
}
