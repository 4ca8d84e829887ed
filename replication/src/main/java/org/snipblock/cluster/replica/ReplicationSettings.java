package org.snipblock.cluster.replica;

import java.time.Duration;

/**
 * Tunables of the data path.
 *
 * @param maxLagBytes in ASYNC mode, new writes wait while a reachable replica is this far behind
 * @param ackTimeout  in SYNC mode, a write fails if its quorum has not acknowledged by then
 */
public record ReplicationSettings(long maxLagBytes, Duration ackTimeout) {
  public ReplicationSettings {
    if (maxLagBytes <= 0) {
      throw new IllegalArgumentException("max replication lag must be positive");
    }
    if (ackTimeout == null || ackTimeout.isNegative() || ackTimeout.isZero()) {
      throw new IllegalArgumentException("ack timeout must be positive");
    }
  }

  public static ReplicationSettings defaults() {
    return new ReplicationSettings(64L << 20, Duration.ofSeconds(30));
  }
}
