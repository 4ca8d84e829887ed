package org.snipblock.node.backup;

/**
 * What a backup stream says of itself before its extents.
 *
 * @param volumeSize   bytes of the exported volume; every extent lies inside
 * @param blockSize    the volume's logical block size; extents are aligned to it
 * @param volume       the exported volume's name (informational)
 * @param snapshot     the snapshot exported; an import takes a snapshot of this name
 * @param snapshotId   its id on the exporting node; the import records it as its snapshot's origin
 * @param baseSnapshot for an incremental stream, the snapshot it starts from (informational); else ""
 * @param baseId       for an incremental stream, that snapshot's id: the import needs a snapshot with
 *                     this id or origin; 0 for a full stream
 */
public record StreamHeader(long volumeSize, int blockSize, String volume, String snapshot, long snapshotId,
    String baseSnapshot, long baseId) {

  public boolean incremental() {
    return baseId != 0;
  }
}
