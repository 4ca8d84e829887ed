package org.snipblock.iscsi.scsi;

import org.snipblock.block.BlockDeviceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Maps a failed {@code BlockDevice} call to the sense data the initiator must see. */
final class DeviceErrors {
  private static final Logger log = LoggerFactory.getLogger(DeviceErrors.class);

  private DeviceErrors() {}

  static Sense toSense(Throwable failure) {
    for (Throwable c = failure; c != null; c = c.getCause()) {
      if (c instanceof CheckCondition cc) {
        return cc.sense();
      }
    }
    BlockDeviceException.Kind kind = BlockDeviceException.kindOf(failure);
    return switch (kind) {
      case OUT_OF_RANGE -> Sense.lbaOutOfRange();
      case INVALID -> Sense.invalidFieldInCdb(0, -1);
      case MEDIUM_ERROR -> Sense.unrecoveredReadError();
      case NO_SPACE -> Sense.spaceAllocationFailedWriteProtect();
      case READ_ONLY -> Sense.writeProtected();
      // Not the primary (or fenced): the initiator should retry, possibly on another path.
      case NOT_PRIMARY, UNAVAILABLE -> Sense.logicalUnitNotReady();
      case IO_ERROR -> {
        log.warn("I/O error on logical unit", failure);
        yield Sense.internalTargetFailure();
      }
    };
  }
}
