package org.snipblock.iscsi.session;

/**
 * One sequence of Data-Out PDUs (the unsolicited burst, or the answer to one R2T): a byte range
 * that must arrive in order with DataSN counting from 0 (DataPDUInOrder=Yes, RFC 7143 10.7.5).
 */
final class DataOutSequence {
  final int targetTransferTag;
  final int r2tSn;
  final int end;
  int nextOffset;
  int nextDataSn;

  DataOutSequence(int targetTransferTag, int r2tSn, int offset, int length) {
    this.targetTransferTag = targetTransferTag;
    this.r2tSn = r2tSn;
    this.nextOffset = offset;
    this.end = offset + length;
  }

  boolean complete() {
    return nextOffset == end;
  }

  /** Null if the PDU fits; otherwise why it does not. */
  String check(int dataSn, int offset, int length) {
    if (dataSn != nextDataSn) {
      return "DataSN " + dataSn + " where " + nextDataSn + " was expected";
    }
    if (offset != nextOffset) {
      return "BufferOffset " + offset + " where " + nextOffset + " was expected";
    }
    if ((long) offset + length > end) {
      return "Data-Out beyond the solicited range (" + offset + "+" + length + " > " + end + ")";
    }
    return null;
  }

  void accept(int length) {
    nextOffset += length;
    nextDataSn++;
  }
}
