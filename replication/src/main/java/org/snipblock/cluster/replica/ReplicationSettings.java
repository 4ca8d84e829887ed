package org.snipblock.cluster.replica;

import java.time.Duration;

/**
 * Tunables of the data path.
 *
 * @param maxLagBytes in ASYNC mode, new writes wait while a reachable replica is this far behind
 * @param ackTimeout  in SYNC mode, a write fails if its quorum has not acknowledged by then
 * @param resyncBytesPerSecond cap on the bytes one resync (or re-replication) sends per second; 0 = no cap
 * @param failoverDelay how long a primary must be out of the membership view before a replica takes over
 * @param rereplicationDelay how long a holder must be out of the view before its copies are placed elsewhere
 */
public record ReplicationSettings(long maxLagBytes, Duration ackTimeout, long resyncBytesPerSecond,
    Duration failoverDelay, Duration rereplicationDelay) {
  public ReplicationSettings {
    if (maxLagBytes <= 0) {
      throw new IllegalArgumentException("max replication lag must be positive");
    }
    if (ackTimeout == null || ackTimeout.isNegative() || ackTimeout.isZero()) {
      throw new IllegalArgumentException("ack timeout must be positive");
    }
    if (resyncBytesPerSecond < 0 || failoverDelay == null || failoverDelay.isNegative()
        || rereplicationDelay == null || rereplicationDelay.isNegative()) {
      throw new IllegalArgumentException("bad resync rate or failover/re-replication delay");
    }
  }

  public static ReplicationSettings defaults() {
    return new ReplicationSettings(64L << 20, Duration.ofSeconds(30), 200L << 20, Duration.ofSeconds(3),
        Duration.ofMinutes(5));
  }
}
