package org.snipblock.iscsi.scsi;

/**
 * Thrown while decoding or validating a command to end it with CHECK CONDITION; caught once, in
 * {@link BlockLogicalUnit}, and turned into sense data. Carries no stack trace: it is an answer to
 * the initiator, not a bug.
 */
final class CheckCondition extends RuntimeException {
  private final transient Sense sense;

  CheckCondition(Sense sense) {
    super(null, null, false, false);
    this.sense = sense;
  }

  Sense sense() {
    return sense;
  }

  static CheckCondition invalidField(int bytePos, int bit) {
    return new CheckCondition(Sense.invalidFieldInCdb(bytePos, bit));
  }

  static CheckCondition invalidParameter(int bytePos, int bit) {
    return new CheckCondition(Sense.invalidFieldInParameterList(bytePos, bit));
  }
}
