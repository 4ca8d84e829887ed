package org.snipblock.block;

/**
 * A run of bytes with one allocation state: the answer to NBD BLOCK_STATUS (base:allocation)
 * and SCSI GET LBA STATUS.
 *
 * @param hole  no space is allocated for the run (NBD_STATE_HOLE, SCSI "deallocated")
 * @param zero  the run is known to read as zeroes (NBD_STATE_ZERO); every hole is also zero
 */
public record Extent(long offset, long length, boolean hole, boolean zero) {
  public Extent {
    if (offset < 0 || length <= 0) {
      throw new IllegalArgumentException("bad extent " + offset + "+" + length);
    }
    if (hole && !zero) {
      throw new IllegalArgumentException("a hole always reads as zeroes");
    }
  }

  public static Extent data(long offset, long length) {
    return new Extent(offset, length, false, false);
  }

  public static Extent hole(long offset, long length) {
    return new Extent(offset, length, true, true);
  }

  public long end() {
    return offset + length;
  }
}
