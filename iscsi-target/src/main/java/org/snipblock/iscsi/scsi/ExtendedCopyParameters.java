package org.snipblock.iscsi.scsi;

import java.util.ArrayList;
import java.util.List;

/**
 * Decodes and validates an EXTENDED COPY (LID1) parameter list (SPC-4 6.4): identification
 * descriptor target descriptors (E4h) naming this logical unit, and block-to-block segment
 * descriptors (02h). Nothing is copied unless the whole list is valid.
 */
final class ExtendedCopyParameters {
  static final int MAX_TARGET_DESCRIPTORS = 2;
  static final int MAX_SEGMENT_DESCRIPTORS = 1;
  static final int MAX_DESCRIPTOR_LIST_LENGTH = 1024;
  /** Largest segment, in bytes. */
  static final int MAX_SEGMENT_LENGTH = 16 << 20;

  static final int IDENTIFICATION_TARGET_DESCRIPTOR = 0xe4;
  static final int BLOCK_TO_BLOCK_SEGMENT = 0x02;
  private static final int TARGET_DESCRIPTOR_LENGTH = 32;
  private static final int BLOCK_TO_BLOCK_LENGTH = 28;

  /** One block-to-block segment, in blocks of this logical unit. */
  record Segment(long sourceLba, long destinationLba, int blocks) {}

  /** @param holdResults LIST ID USAGE 00b/01b: keep the results for RECEIVE COPY RESULTS */
  record CopyList(int listId, boolean holdResults, List<Segment> segments) {}

  private ExtendedCopyParameters() {}

  static CopyList parse(byte[] p, byte[] ownDesignators, Geometry geometry) {
    if (p.length < 16) {
      throw new CheckCondition(Sense.parameterListLengthError());
    }
    int listId = Bytes.u8(p, 0);
    int usage = (p[1] >>> 3) & 0x03;
    int targetLength = Bytes.u16(p, 2);
    long segmentLength = Bytes.u32(p, 8);
    long inlineLength = Bytes.u32(p, 12);
    if (targetLength + segmentLength > MAX_DESCRIPTOR_LIST_LENGTH) {
      throw new CheckCondition(Sense.parameterListLengthError());
    }
    if (16 + targetLength + segmentLength + inlineLength > p.length) {
      throw new CheckCondition(Sense.parameterListLengthError());
    }
    if (inlineLength != 0) {
      throw CheckCondition.invalidParameter(12, -1); // no inline data descriptors supported
    }
    if (targetLength % TARGET_DESCRIPTOR_LENGTH != 0) {
      throw CheckCondition.invalidParameter(2, -1);
    }
    int targets = targetLength / TARGET_DESCRIPTOR_LENGTH;
    if (targets > MAX_TARGET_DESCRIPTORS) {
      throw new CheckCondition(Sense.of(Sense.ILLEGAL_REQUEST, 0x26, 0x06));
    }
    int segmentsAt = 16 + targetLength;
    int segmentCount = countSegments(p, segmentsAt, (int) segmentLength);
    if (segmentCount > MAX_SEGMENT_DESCRIPTORS) {
      throw new CheckCondition(Sense.of(Sense.ILLEGAL_REQUEST, 0x26, 0x08));
    }
    for (int i = 0; i < targets; i++) {
      checkTarget(p, 16 + i * TARGET_DESCRIPTOR_LENGTH, ownDesignators, geometry);
    }
    List<Segment> segments = new ArrayList<>();
    for (int at = segmentsAt; at < segmentsAt + segmentLength; at += 4 + Bytes.u16(p, at + 2)) {
      segments.add(segment(p, at, targets, geometry));
    }
    return new CopyList(listId, usage == 0 || usage == 1, segments);
  }

  private static int countSegments(byte[] p, int from, int length) {
    int count = 0;
    for (int at = from; at < from + length; count++) {
      if (at + 4 > from + length) {
        throw new CheckCondition(Sense.parameterListLengthError());
      }
      at += 4 + Bytes.u16(p, at + 2);
      if (at > from + length) {
        throw new CheckCondition(Sense.parameterListLengthError());
      }
    }
    return count;
  }

  private static void checkTarget(byte[] p, int at, byte[] ownDesignators, Geometry geometry) {
    if (Bytes.u8(p, at) != IDENTIFICATION_TARGET_DESCRIPTOR) {
      throw new CheckCondition(Sense.of(Sense.ILLEGAL_REQUEST, 0x26, 0x07));
    }
    // LU ID TYPE (byte 1, bits 7-6) is not checked: the designator alone identifies the logical
    // unit, and libiscsi 1.19's suite expects a reserved LU ID TYPE to be tolerated.
    if ((p[at + 1] & 0x20) != 0) {
      throw copyTargetUnreachable(); // NUL: a null device is not something we can copy to or from
    }
    if ((p[at + 1] & 0x1f) != 0) {
      throw copyTargetUnreachable(); // only direct-access block devices
    }
    int designatorLength = Bytes.u8(p, at + 7);
    if (designatorLength > 20 || !isOwnDesignator(p, at + 4, 4 + designatorLength, ownDesignators)) {
      throw copyTargetUnreachable();
    }
    if (Bytes.u24(p, at + 29) != geometry.blockSize()) {
      throw copyTargetUnreachable();
    }
  }

  private static Segment segment(byte[] p, int at, int targets, Geometry geometry) {
    if (Bytes.u8(p, at) != BLOCK_TO_BLOCK_SEGMENT) {
      throw new CheckCondition(Sense.of(Sense.ILLEGAL_REQUEST, 0x26, 0x09));
    }
    if (Bytes.u16(p, at + 2) != BLOCK_TO_BLOCK_LENGTH - 4) {
      throw CheckCondition.invalidParameter(at + 2, -1);
    }
    int source = Bytes.u16(p, at + 4);
    int destination = Bytes.u16(p, at + 6);
    if (source >= targets || destination >= targets) {
      throw copyTargetUnreachable();
    }
    int blocks = Bytes.u16(p, at + 10);
    long sourceLba = Bytes.u64(p, at + 12);
    long destinationLba = Bytes.u64(p, at + 20);
    if ((long) blocks * geometry.blockSize() > MAX_SEGMENT_LENGTH) {
      throw CheckCondition.invalidParameter(at + 10, -1);
    }
    long n = geometry.blocks();
    if (sourceLba < 0 || destinationLba < 0 || sourceLba + blocks > n || destinationLba + blocks > n) {
      // The copy manager reports errors with its copy targets as COPY ABORTED (SPC-4 6.4.3.3).
      throw new CheckCondition(Sense.of(Sense.COPY_ABORTED, 0x00, 0x00));
    }
    return new Segment(sourceLba, destinationLba, blocks);
  }

  /** Does the designator (header included) equal one of ours, as VPD page 83h lists them? */
  private static boolean isOwnDesignator(byte[] p, int at, int length, byte[] own) {
    for (int i = 0; i + 4 <= own.length; i += 4 + Bytes.u8(own, i + 3)) {
      int ownLength = 4 + Bytes.u8(own, i + 3);
      if (ownLength == length && (own[i + 1] & 0x30) == 0 // logical unit association
          && (own[i] & 0x0f) == (p[at] & 0x0f) && (own[i + 1] & 0x0f) == (p[at + 1] & 0x0f)
          && java.util.Arrays.equals(own, i + 4, i + ownLength, p, at + 4, at + length)) {
        return true;
      }
    }
    return false;
  }

  private static CheckCondition copyTargetUnreachable() {
    return new CheckCondition(Sense.of(Sense.COPY_ABORTED, 0x0d, 0x02));
  }
}
