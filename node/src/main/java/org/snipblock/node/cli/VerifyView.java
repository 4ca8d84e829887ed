package org.snipblock.node.cli;

import java.util.List;
import org.snipblock.node.admin.v1.VerifyVolumeResponse;

/** What comparing every copy of a volume found, as the CLI prints it. */
record VerifyView(String volume, long epoch, String primary, int chunkSize, boolean clean, List<Copy> copies) {

  /** @param error null when the whole copy was compared */
  record Copy(String node, boolean primary, boolean stale, long snippetsCompared, long chunksDiffering,
      long chunksBadChecksum, long chunksRepaired, String error, int snapshotsCompared,
      List<String> snapshotsDiffering) {}

  static VerifyView of(VerifyVolumeResponse r) {
    return new VerifyView(r.getVolume(), r.getEpoch(), r.getPrimary(), r.getChunkSize(), r.getClean(),
        r.getCopiesList().stream().map(c -> new Copy(c.getNode(), c.getPrimary(), c.getStale(),
            c.getSnippetsCompared(), c.getChunksDiffering(), c.getChunksBadChecksum(), c.getChunksRepaired(),
            c.getError().isEmpty() ? null : c.getError(), c.getSnapshotsCompared(),
            List.copyOf(c.getSnapshotsDifferingList()))).toList());
  }
}
