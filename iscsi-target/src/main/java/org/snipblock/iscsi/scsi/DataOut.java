package org.snipblock.iscsi.scsi;

import java.nio.ByteBuffer;

/** Access to the data the initiator sent with a command, checked against what the CDB says. */
final class DataOut {
  private DataOut() {}

  /**
   * The first {@code length} bytes of the Data-Out buffer. Fewer bytes than the CDB describes
   * means the initiator's expected transfer length disagrees with its CDB: INVALID FIELD IN CDB
   * at the CDB's length field, and nothing is written.
   */
  static ByteBuffer exactly(ScsiCommand command, long length, int lengthField) {
    ByteBuffer data = command.dataOut();
    if (data == null || data.remaining() < length) {
      throw CheckCondition.invalidField(lengthField, -1);
    }
    ByteBuffer slice = data.duplicate();
    slice.limit(slice.position() + (int) length);
    return slice.slice();
  }

  /** Parameter data (UNMAP, MODE SELECT, PERSISTENT RESERVE OUT): short data is a length error. */
  static byte[] parameters(ScsiCommand command, int parameterListLength) {
    ByteBuffer data = command.dataOut();
    if (data == null || data.remaining() < parameterListLength) {
      throw new CheckCondition(Sense.parameterListLengthError());
    }
    byte[] b = new byte[parameterListLength];
    data.duplicate().get(b);
    return b;
  }

  static int remaining(ScsiCommand command) {
    return command.dataOut() == null ? 0 : command.dataOut().remaining();
  }
}
