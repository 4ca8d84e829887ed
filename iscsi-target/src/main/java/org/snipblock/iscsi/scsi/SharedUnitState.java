package org.snipblock.iscsi.scsi;

import java.util.concurrent.CompletableFuture;

/**
 * Where a logical unit keeps the SCSI state that all its paths must share (persistent
 * reservations and the unit attentions their changes raise), as versioned bytes the LU encodes.
 * A standalone target keeps it in memory per LU; a cluster node keeps it in the cluster's
 * replicated metadata, so a reservation taken through one node's portal holds through every other.
 */
public interface SharedUnitState {
  /** A state and its version (versions grow by one per committed change; 0 is "none yet"). */
  record Versioned(long version, byte[] state) {}

  /**
   * The newest state known here of the device (identified by its name and unique id, so a volume
   * made again under the same name starts afresh), or null if there is none yet. Asked for every
   * command: answer from memory.
   */
  Versioned current(String device, long uniqueId);

  /**
   * Compare-and-set: stores {@code state} as version {@code expectedVersion + 1} if the device is
   * still at {@code expectedVersion}. Completes with true once committed, false if another change
   * came first (the caller builds its change again on the newer state); exceptionally if it cannot
   * be decided now (no majority). {@code persistThroughPowerLoss}: the state's APTPL (SPC-4
   * 5.12.4); where {@link #persistsThroughPowerLoss} a state without it is dropped when the whole
   * target loses power.
   */
  CompletableFuture<Boolean> commit(String device, long uniqueId, long expectedVersion, byte[] state,
      boolean persistThroughPowerLoss);

  /**
   * Null if this path's copy is as new as every change it knows to be committed (answer from
   * memory: asked for every command); otherwise completes with true once it is, or false after a
   * short wait. Another path's change may be answered before this path has applied it, once this
   * path promised to hold the LU's commands until it has: they wait on this, and are refused (NOT
   * READY) if it completes false.
   */
  default CompletableFuture<Boolean> caughtUp(String device, long uniqueId) {
    return null;
  }

  /**
   * Whether the store keeps a state through a power loss of the whole target, so the LU can offer
   * APTPL (PTPL_C). A store in one process's memory cannot.
   */
  default boolean persistsThroughPowerLoss() {
    return false;
  }
}
