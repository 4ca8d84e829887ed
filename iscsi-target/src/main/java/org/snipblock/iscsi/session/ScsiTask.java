package org.snipblock.iscsi.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
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

  /**
   * Pooled memory the connection lent this task, one reference each, which the task gives back
   * exactly once, when it completes, answered or not ({@link #releaseMemory}): the Data-Out a
   * write gathers ({@link #dataOut} views it) and the Data-In a read fills ({@link #dataInView},
   * the view the logical unit was given). A Data-In PDU cut from the latter holds a reference of
   * its own, which Netty gives back once the PDU is written or dropped. A logical unit is done
   * with both when its future completes, and the task completes only after that.
   */
  ByteBuf dataOutMemory;
  ByteBuf dataInMemory;
  ByteBuffer dataInView;
  /** The gathered write data, until the task completes. */
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

  /**
   * Memory for the Data-In of a read, lent to the logical unit (on whichever thread runs it, before
   * its future completes; the loop reads the fields only after that).
   */
  ByteBuffer lendDataIn(ByteBufAllocator alloc, int length) {
    if (dataInMemory != null) {
      throw new IllegalStateException("Data-In memory taken twice for task 0x" + Integer.toHexString(itt));
    }
    dataInMemory = alloc.directBuffer(length, length);
    dataInView = dataInMemory.nioBuffer(0, length);
    return dataInView;
  }

  /** The lent memory that {@code dataIn} views from its start, if the response is the view lent. */
  ByteBuf dataInMemoryOf(ByteBuffer dataIn) {
    return dataIn == dataInView ? dataInMemory : null;
  }

  /** The task is over: gives back what the connection lent it. */
  void releaseMemory() {
    if (dataOutMemory != null) {
      dataOutMemory.release();
      dataOutMemory = null;
      dataOut = null;
    }
    if (dataInMemory != null) {
      dataInMemory.release();
      dataInMemory = null;
      dataInView = null;
    }
  }
}
