package org.snipblock.cluster;

import java.security.SecureRandom;

/**
 * The one id a clustered volume's snapshot goes by on every copy, recorded as each copy's origin of
 * it: a store's own snapshot ids are per node, so an incremental backup exported from a new primary
 * after a failover would otherwise name a base its earlier full backup, exported from the old primary,
 * never carried.
 */
final class SnapshotLineage {
  // A store draws its ids below 2^62: these never equal one of them, so no local snapshot is mistaken for one.
  private static final long CLUSTER_BIT = 1L << 62;
  private static final SecureRandom RANDOM = new SecureRandom();

  private SnapshotLineage() {}

  /** A fresh id, in [2^62, 2^63): random, as the primary that stamps it may be replaced any time. */
  static long newId() {
    return (RANDOM.nextLong() & (CLUSTER_BIT - 1)) | CLUSTER_BIT;
  }
}
