package org.snipblock.iscsi.session;

/** RFC 1982 serial number arithmetic on 32 bits, as CmdSN, StatSN and DataSN use it. */
final class SerialNumbers {
  private SerialNumbers() {}

  static boolean lessThan(int a, int b) {
    return a != b && (a - b) < 0;
  }

  /** True if {@code low <= value <= high} in serial arithmetic. */
  static boolean within(int value, int low, int high) {
    return (value - low) >= 0 && (high - value) >= 0 && (high - low) >= -1;
  }
}
