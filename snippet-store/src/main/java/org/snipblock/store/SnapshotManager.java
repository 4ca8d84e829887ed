package org.snipblock.store;

import java.util.List;

/**
 * Snapshots, clones, rollback, read-only volumes and changed-block tracking, as the node's admin
 * API sees them. Failures are {@link VolumeAdminException}s fit to show an operator.
 */
public interface SnapshotManager {

  /**
   * Takes snapshot {@code snapshot} of every named volume at one barrier: no write acknowledged
   * after it is in any of them, none acknowledged before it is missing from any.
   */
  List<SnapshotInfo> snapshot(List<String> volumes, String snapshot);

  /**
   * Takes snapshot {@code snapshot} of one volume recording {@code origin}, the id of the snapshot an
   * import reproduced, so a later incremental stream from that snapshot finds its base here.
   */
  SnapshotInfo snapshotImported(String volume, String snapshot, long origin);

  /** The volume's snapshots, oldest first. */
  List<SnapshotInfo> snapshots(String volume);

  /** Deletes a snapshot; refused while clones read through it. */
  void deleteSnapshot(String volume, String snapshot);

  /**
   * Deletes a snapshot, returning once the delete is on record (the snapshot is gone from then on,
   * and a crash keeps it deleted); its data is merged into the newer layers in the background, one
   * snippet at a time, so other calls are not held up for long.
   */
  void deleteSnapshotLater(String volume, String snapshot);

  /**
   * Makes the volume's content the snapshot's. Refused while the volume has open handles unless
   * {@code force}; forced, those handles fail from then on and their clients reconnect.
   */
  VolumeInfo rollback(String volume, String snapshot, boolean force);

  /**
   * A handle whose writes land in the snapshot's own layer: they become the snapshot's content
   * there, and what this store's clones of it read where they have not written. Only for a
   * replica's alignment, when a copy gained a stripe after its snapshots were taken: it gets the
   * snapshots' content for that stripe without deleting them (clones here may read through them).
   * Reads see the snapshot. Not for clients, for whom a snapshot never changes.
   */
  org.snipblock.block.BlockDevice fillSnapshot(String volume, String snapshot);

  /** A new writable volume sharing every unwritten block with {@code volume@snapshot}. */
  VolumeInfo cloneVolume(String volume, String snapshot, String newName, long newSize);

  VolumeInfo setReadOnly(String volume, boolean readOnly);

  /**
   * Starts copying, in the background and throttled, everything a clone still reads from its
   * parent, so the parent's snapshot can go; progress shows in the volume's info. The future
   * completes when the clone is independent.
   */
  java.util.concurrent.CompletableFuture<Void> flatten(String volume);

  /**
   * The byte ranges {@code [offset, length]} that differ between snapshot {@code from} and
   * snapshot {@code to}, or the volume's content now when {@code to} is null.
   */
  List<long[]> diff(String volume, String from, String to);
}
