package org.snipblock.iscsi.scsi;

/**
 * What went wrong with a command, in SCSI terms: sense key, additional sense code and qualifier,
 * plus the optional INFORMATION field and sense-key-specific field pointer. Encoded on the wire
 * by {@link SenseEncoder} in fixed or descriptor format as the control mode page asks.
 *
 * @param information  INFORMATION field (e.g. the miscompare offset), or null
 * @param fieldPointer byte offset of the offending field, or -1 when there is none
 * @param inCdb        true when the field pointer points into the CDB, false for parameter data
 * @param bitPointer   offending bit within that byte (0-7), or -1
 */
public record Sense(
    int key, int asc, int ascq, Long information, int fieldPointer, boolean inCdb, int bitPointer) {

  public static final int NO_SENSE = 0x0;
  public static final int NOT_READY = 0x2;
  public static final int MEDIUM_ERROR = 0x3;
  public static final int HARDWARE_ERROR = 0x4;
  public static final int ILLEGAL_REQUEST = 0x5;
  public static final int UNIT_ATTENTION = 0x6;
  public static final int DATA_PROTECT = 0x7;
  public static final int COPY_ABORTED = 0xa;
  public static final int ABORTED_COMMAND = 0xb;
  public static final int MISCOMPARE = 0xe;

  public static Sense of(int key, int asc, int ascq) {
    return new Sense(key, asc, ascq, null, -1, false, -1);
  }

  public static Sense invalidOpcode() {
    return new Sense(ILLEGAL_REQUEST, 0x20, 0x00, null, 0, true, -1);
  }

  /** INVALID FIELD IN CDB pointing at a byte (and bit, or -1 for the whole byte). */
  public static Sense invalidFieldInCdb(int bytePos, int bit) {
    return new Sense(ILLEGAL_REQUEST, 0x24, 0x00, null, bytePos, true, bit);
  }

  public static Sense invalidFieldInParameterList(int bytePos, int bit) {
    return new Sense(ILLEGAL_REQUEST, 0x26, 0x00, null, bytePos, false, bit);
  }

  public static Sense parameterListLengthError() {
    return of(ILLEGAL_REQUEST, 0x1a, 0x00);
  }

  public static Sense lbaOutOfRange() {
    return of(ILLEGAL_REQUEST, 0x21, 0x00);
  }

  public static Sense savingParametersNotSupported() {
    return of(ILLEGAL_REQUEST, 0x39, 0x00);
  }

  public static Sense invalidReleaseOfPersistentReservation() {
    return of(ILLEGAL_REQUEST, 0x26, 0x04);
  }

  public static Sense unrecoveredReadError() {
    return of(MEDIUM_ERROR, 0x11, 0x00);
  }

  public static Sense writeProtected() {
    return of(DATA_PROTECT, 0x27, 0x00);
  }

  public static Sense spaceAllocationFailedWriteProtect() {
    return of(DATA_PROTECT, 0x27, 0x07);
  }

  /** MISCOMPARE DURING VERIFY OPERATION, with the byte offset of the first difference. */
  public static Sense miscompare(long offset) {
    return new Sense(MISCOMPARE, 0x1d, 0x00, offset, -1, false, -1);
  }

  public static Sense internalTargetFailure() {
    return of(HARDWARE_ERROR, 0x44, 0x00);
  }

  public static Sense logicalUnitNotReady() {
    // LOGICAL UNIT NOT READY, CAUSE NOT REPORTABLE: the volume is closed or being moved.
    return of(NOT_READY, 0x04, 0x00);
  }

  /**
   * LOGICAL UNIT NOT READY, SANITIZE IN PROGRESS with a progress indication (0..65535 of the
   * whole): NOT READY's sense-key-specific bytes carry progress, encoded like a field pointer
   * without the C/D and bit-pointer flags.
   */
  public static Sense sanitizeInProgress(int progress) {
    return new Sense(NOT_READY, 0x04, 0x1b, null, progress & 0xffff, false, -1);
  }

  /** SANITIZE COMMAND FAILED: the last sanitize did not complete, the medium is unusable. */
  public static Sense sanitizeFailed() {
    return of(MEDIUM_ERROR, 0x31, 0x03);
  }

  public static Sense noSense() {
    return of(NO_SENSE, 0x00, 0x00);
  }

  public boolean hasFieldPointer() {
    return fieldPointer >= 0;
  }
}
