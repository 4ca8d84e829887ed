package org.snipblock.iscsi.alua;

/**
 * Asymmetric access states of a target port group (SPC-4 5.16.2), with their codes in REPORT
 * TARGET PORT GROUPS. The ones snipblock uses: the primary's node is optimized (its door skips
 * the network), other nodes non-optimized (their door forwards), standby where configured for
 * distant sites, transitioning while the volume has no reachable primary or its primary moves.
 */
public enum AccessState {
  ACTIVE_OPTIMIZED(0x0),
  ACTIVE_NON_OPTIMIZED(0x1),
  STANDBY(0x2),
  UNAVAILABLE(0x3),
  TRANSITIONING(0xf);

  private final int code;

  AccessState(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }
}
