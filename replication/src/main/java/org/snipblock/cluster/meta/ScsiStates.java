package org.snipblock.cluster.meta;

import org.snipblock.cluster.proto.PutScsiState;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;

/**
 * A volume's shared SCSI state (reservations), changed only by compare-and-set on its version: two
 * nodes' doors changing it at once are ordered by the log, and the later one, built on a state it
 * no longer has, is refused and tries again on the new one.
 */
final class ScsiStates {
  /** Far above what reservations need (a registration is under 600 bytes); keeps records small. */
  static final int MAX_STATE_BYTES = 256 * 1024;

  private ScsiStates() {}

  /** The volume after the change; throws (nothing changed) if it is gone, replaced, or moved on. */
  static VolumeRecord put(VolumeRecord v, PutScsiState put) {
    if (v == null || v.getUid() != put.getUid()) {
      throw new VolumeAdminException(Reason.NOT_FOUND, "no volume named " + put.getName() + " with uid " + put.getUid());
    }
    if (put.getState().size() > MAX_STATE_BYTES) {
      throw new VolumeAdminException(Reason.INVALID_ARGUMENT, "SCSI state of " + put.getName() + " is "
          + put.getState().size() + " bytes, more than " + MAX_STATE_BYTES);
    }
    if (v.getScsiStateVersion() != put.getExpectedVersion()) {
      throw new VolumeAdminException(Reason.CONFLICT, "SCSI state of " + put.getName() + " is at version "
          + v.getScsiStateVersion() + ", not " + put.getExpectedVersion());
    }
    return v.toBuilder().setScsiState(put.getState()).setScsiStateVersion(put.getExpectedVersion() + 1)
        .setScsiStateAptpl(put.getPersistThroughPowerLoss()).build();
  }
}
