package org.snipblock.iscsi.session;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One SCSI command on its way through the transport: collecting data-out, waiting for its turn,
 * executing in the logical unit, or aborted. Lives on the connection's event loop.
 */
final class ScsiTask {
  static final int ATTR_ORDERED = 2;
  static final int ATTR_HEAD_OF_QUEUE = 3;

  final int itt;
  final long lun;
  final byte[] cdb;
  final int expectedLength;
  final boolean read;
  final boolean write;
  final int attribute;
  final boolean counted;
  final CompletableFuture<Void> finished = new CompletableFuture<>();

  ByteBuffer dataOut;
  int received;
  DataOutSequence unsolicited;
  int nextR2tOffset;
  int nextR2tSn;
  final Map<Integer, DataOutSequence> outstandingR2Ts = new LinkedHashMap<>();

  boolean queued;
  boolean executing;
  boolean aborted;
  /** The command as handed to the logical unit, once executing. */
  org.snipblock.iscsi.scsi.ScsiCommand command;

  ScsiTask(int itt, long lun, byte[] cdb, int expectedLength, boolean read, boolean write,
      int attribute, boolean counted) {
    this.itt = itt;
    this.lun = lun;
    this.cdb = cdb;
    this.expectedLength = expectedLength;
    this.read = read;
    this.write = write;
    this.attribute = attribute;
    this.counted = counted;
  }

  boolean ordered() {
    return attribute == ATTR_ORDERED;
  }

  boolean headOfQueue() {
    return attribute == ATTR_HEAD_OF_QUEUE;
  }

  boolean allDataReceived() {
    return !write || received == expectedLength;
  }
}
