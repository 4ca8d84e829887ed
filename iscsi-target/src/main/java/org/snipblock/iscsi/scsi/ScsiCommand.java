package org.snipblock.iscsi.scsi;

import java.nio.ByteBuffer;

/**
 * One SCSI command as the transport hands it to a logical unit: the CDB, the data the initiator
 * sent with it (already gathered from immediate data, unsolicited and solicited Data-Out), and who
 * sent it (the I_T nexus, which reservations and unit attentions are tracked against).
 *
 * @param cdb                 the command descriptor block, exactly as received (6 to 16+ bytes)
 * @param dataOut             data received from the initiator (empty for reads); read-only view
 * @param expectedDataInLength bytes the initiator is prepared to receive (Expected Data Transfer
 *                            Length for reads)
 * @param nexus               the initiator-target nexus the command arrived on
 * @param taskTag             initiator task tag, for abort matching
 * @param dataInMemory        where the data the command returns may be put
 */
public record ScsiCommand(
    byte[] cdb, ByteBuffer dataOut, int expectedDataInLength, ItNexus nexus, long taskTag,
    DataInMemory dataInMemory) {

  public ScsiCommand {
    if (dataInMemory == null) {
      dataInMemory = DataInMemory.HEAP;
    }
  }

  /** A command whose Data-In goes to the heap. */
  public ScsiCommand(byte[] cdb, ByteBuffer dataOut, int expectedDataInLength, ItNexus nexus, long taskTag) {
    this(cdb, dataOut, expectedDataInLength, nexus, taskTag, DataInMemory.HEAP);
  }
}
