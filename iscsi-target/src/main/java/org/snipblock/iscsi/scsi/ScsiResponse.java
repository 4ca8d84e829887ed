package org.snipblock.iscsi.scsi;

import java.nio.ByteBuffer;

/**
 * The outcome of a SCSI command: status, sense data when the status is CHECK CONDITION, and the
 * data to return to the initiator (the transport trims it to the expected length and reports
 * residuals).
 */
public record ScsiResponse(int status, ByteBuffer dataIn, byte[] sense) {
  public static final int GOOD = 0x00;
  public static final int CHECK_CONDITION = 0x02;
  public static final int CONDITION_MET = 0x04;
  public static final int BUSY = 0x08;
  public static final int RESERVATION_CONFLICT = 0x18;
  public static final int TASK_SET_FULL = 0x28;
  public static final int TASK_ABORTED = 0x40;

  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

  public static ScsiResponse good() {
    return new ScsiResponse(GOOD, EMPTY, null);
  }

  public static ScsiResponse good(ByteBuffer dataIn) {
    return new ScsiResponse(GOOD, dataIn, null);
  }

  public static ScsiResponse status(int status) {
    return new ScsiResponse(status, EMPTY, null);
  }

  public static ScsiResponse checkCondition(byte[] sense) {
    return new ScsiResponse(CHECK_CONDITION, EMPTY, sense);
  }
}
