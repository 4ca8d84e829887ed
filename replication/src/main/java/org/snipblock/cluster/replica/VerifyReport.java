package org.snipblock.cluster.replica;

import java.util.List;

/**
 * What comparing every copy of a volume with the primary's found, chunk by chunk (CRC32C digests
 * of {@code chunkSize} bytes), and, for a repairing scrub, what it repaired.
 *
 * @param copies one entry per node holding a copy, the primary first
 */
public record VerifyReport(String volume, long epoch, String primary, int chunkSize, List<CopyCheck> copies) {

  /**
   * One node's copy.
   *
   * @param stale             the copy is on record as missing changes (it is being resynced; differences are expected)
   * @param snippetsCompared  snippets of this copy compared with the primary's
   * @param chunksDiffering   readable chunks whose content differs from the primary's
   * @param chunksBadChecksum chunks whose stored data failed its own checksum
   * @param chunksRepaired    chunks overwritten with good data by this run
   * @param error             why (part of) the copy could not be compared, or null
   * @param snapshotsCompared  snapshots of this copy compared with the primary's (chunk digests over its snippets)
   * @param snapshotsDiffering the copy's snapshots that are missing, extra, out of order or differ, each with why
   *                           (a scrub puts such a copy on record as stale: its resync rebuilds them)
   */
  public record CopyCheck(String node, boolean primary, boolean stale, long snippetsCompared, long chunksDiffering,
      long chunksBadChecksum, long chunksRepaired, String error, int snapshotsCompared,
      List<String> snapshotsDiffering) {}

  /** True if every copy was compared and agrees with the primary's, snapshots included, and nothing failed its checksum. */
  public boolean clean() {
    return copies.stream().allMatch(c -> c.chunksDiffering() == 0 && c.chunksBadChecksum() == 0 && c.error() == null
        && c.snapshotsDiffering().isEmpty());
  }
}
