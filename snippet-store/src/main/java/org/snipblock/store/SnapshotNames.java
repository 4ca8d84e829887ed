package org.snipblock.store;

/** The rule for snapshot names, for callers outside the store that must check one before acting. */
public final class SnapshotNames {
  private SnapshotNames() {}

  /** Throws an INVALID_ARGUMENT {@link VolumeAdminException} for a name a snapshot may not have. */
  public static void check(String name) {
    VolumeRules.checkSnapshotName(name);
  }
}
