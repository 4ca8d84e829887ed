package org.snipblock.iscsi.session;

/** The few sense data the transport produces itself (fixed format, SPC-4 4.5.3). */
final class TransportSense {
  private TransportSense() {}

  /** ILLEGAL REQUEST, LOGICAL UNIT NOT SUPPORTED: a LUN other than 0. */
  static byte[] logicalUnitNotSupported() {
    return fixed(0x05, 0x25, 0x00);
  }

  /** ILLEGAL REQUEST, INVALID FIELD IN CDB: an Expected Data Transfer Length over our limit. */
  static byte[] invalidFieldInCdb() {
    return fixed(0x05, 0x24, 0x00);
  }

  /** ABORTED COMMAND, DATA PHASE ERROR: Data-Out out of sequence (DataSN, transfer tag). */
  static byte[] dataPhaseError() {
    return fixed(0x0b, 0x4b, 0x00);
  }

  /** ABORTED COMMAND, DATA OFFSET ERROR: Data-Out at the wrong buffer offset. */
  static byte[] dataOffsetError() {
    return fixed(0x0b, 0x4b, 0x05);
  }

  /** HARDWARE ERROR, INTERNAL TARGET FAILURE: the logical unit broke its contract. */
  static byte[] internalTargetFailure() {
    return fixed(0x04, 0x44, 0x00);
  }

  private static byte[] fixed(int key, int asc, int ascq) {
    byte[] s = new byte[18];
    s[0] = 0x70;
    s[2] = (byte) key;
    s[7] = 10;
    s[12] = (byte) asc;
    s[13] = (byte) ascq;
    return s;
  }
}
