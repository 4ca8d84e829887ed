package org.snipblock.iscsi.scsi;

import java.util.ArrayList;
import java.util.List;

/** Decodes and validates the UNMAP parameter list (SBC-3 5.28.2) before anything is trimmed. */
final class UnmapParameters {
  private UnmapParameters() {}

  /** The {lba, blocks} ranges to unmap, all checked against the medium and the VPD B0h limits. */
  static List<long[]> parse(byte[] p, Geometry geometry) {
    int descriptorLength = Bytes.u16(p, 2);
    if (descriptorLength + 8 > p.length) {
      throw CheckCondition.invalidParameter(2, -1);
    }
    // A trailing partial descriptor is ignored (SBC-3: "... shall not be considered an error").
    int count = descriptorLength / 16;
    if (count > Geometry.MAX_UNMAP_DESCRIPTORS) {
      throw CheckCondition.invalidParameter(2, -1);
    }
    List<long[]> ranges = new ArrayList<>(count);
    long total = 0;
    for (int i = 0; i < count; i++) {
      int at = 8 + 16 * i;
      long lba = Bytes.u64(p, at);
      long blocks = Bytes.u32(p, at + 8);
      if (blocks > Geometry.MAX_UNMAP_BLOCKS) {
        throw CheckCondition.invalidParameter(at + 8, -1);
      }
      geometry.checkRange(lba, blocks);
      total += blocks;
      ranges.add(new long[] {lba, blocks});
    }
    if (total > Geometry.MAX_UNMAP_BLOCKS) {
      throw CheckCondition.invalidParameter(8, -1);
    }
    return ranges;
  }
}
