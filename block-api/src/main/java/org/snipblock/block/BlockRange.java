package org.snipblock.block;

import org.snipblock.block.BlockDeviceException.Kind;

/** The one place that decides whether a request's offset and length are acceptable. */
public final class BlockRange {
  private BlockRange() {}

  /** Throws OUT_OF_RANGE or INVALID unless {@code [offset, offset+length)} is aligned and inside. */
  public static void check(long offset, long length, long size, int blockSize) {
    if (offset < 0 || length < 0) {
      throw new BlockDeviceException(Kind.INVALID, "negative offset or length: " + offset + "+" + length);
    }
    if (offset % blockSize != 0 || length % blockSize != 0) {
      throw new BlockDeviceException(
          Kind.INVALID, "offset " + offset + " or length " + length + " not a multiple of " + blockSize);
    }
    if (offset > size || length > size - offset) {
      throw new BlockDeviceException(
          Kind.OUT_OF_RANGE, "range " + offset + "+" + length + " beyond device end " + size);
    }
  }
}
