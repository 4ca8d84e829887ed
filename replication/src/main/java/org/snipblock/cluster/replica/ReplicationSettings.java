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
 * @param scrubInterval how often the primary compares every copy's checksums with its own and repairs; 0 = never
 * @param scrubBytesPerSecond cap on the bytes a scrub (or verify) compares per second; 0 = no cap
 */
public record ReplicationSettings(long maxLagBytes, Duration ackTimeout, long resyncBytesPerSecond,
    Duration failoverDelay, Duration rereplicationDelay, Duration scrubInterval, long scrubBytesPerSecond) {
  public static final Duration DEFAULT_SCRUB_INTERVAL = Duration.ofHours(24);
  public static final long DEFAULT_SCRUB_BYTES_PER_SECOND = 32L << 20;

  /** Settings with the default scrub schedule. */
  public ReplicationSettings(long maxLagBytes, Duration ackTimeout, long resyncBytesPerSecond, Duration failoverDelay,
      Duration rereplicationDelay) {
    this(maxLagBytes, ackTimeout, resyncBytesPerSecond, failoverDelay, rereplicationDelay, DEFAULT_SCRUB_INTERVAL,
        DEFAULT_SCRUB_BYTES_PER_SECOND);
  }

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
    if (scrubInterval == null || scrubInterval.isNegative() || scrubBytesPerSecond < 0) {
      throw new IllegalArgumentException("bad scrub interval or rate");
    }
  }

  public static ReplicationSettings defaults() {
    return new ReplicationSettings(64L << 20, Duration.ofSeconds(30), 200L << 20, Duration.ofSeconds(3),
        Duration.ofMinutes(5));
  }
}
