package org.snipblock.store.qos;

/**
 * The six leaky buckets of QEMU's block throttling, named as QEMU's {@code throttle-group} and
 * {@code -drive throttling.*} options name them, so that one limit maps onto the other 1:1.
 */
public enum ThrottleBucket {
  IOPS_TOTAL("iops-total", false, Direction.BOTH),
  IOPS_READ("iops-read", false, Direction.READ),
  IOPS_WRITE("iops-write", false, Direction.WRITE),
  BPS_TOTAL("bps-total", true, Direction.BOTH),
  BPS_READ("bps-read", true, Direction.READ),
  BPS_WRITE("bps-write", true, Direction.WRITE);

  enum Direction { READ, WRITE, BOTH }

  private final String key;
  private final boolean bytes;
  private final Direction direction;

  ThrottleBucket(String key, boolean bytes, Direction direction) {
    this.key = key;
    this.bytes = bytes;
    this.direction = direction;
  }

  /** The option name: {@code iops-total}, and with {@code -max} / {@code -max-length} its burst. */
  public String key() {
    return key;
  }

  /** True for the bytes-per-second buckets, false for operations per second. */
  public boolean bytes() {
    return bytes;
  }

  /** True if a request in this direction fills this bucket. */
  boolean counts(boolean write) {
    return direction == Direction.BOTH || (direction == Direction.WRITE) == write;
  }

  /** The bucket counting the same unit in both directions (the one QEMU forbids next to this one). */
  ThrottleBucket total() {
    return bytes ? BPS_TOTAL : IOPS_TOTAL;
  }

  /** How much of this bucket a request of {@code length} bytes uses. */
  double units(long length) {
    return bytes ? length : 1;
  }
}
