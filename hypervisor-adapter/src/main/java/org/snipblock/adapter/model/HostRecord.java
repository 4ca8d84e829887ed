package org.snipblock.adapter.model;

/**
 * A hypervisor machine as its host agent registered it: where it stands, what it offers, the iSCSI
 * initiator name its QEMUs use (its identity at the storage, revoked to fence it), and when it last
 * said it was alive; {@code dataDir} is where its VMs' files are, and {@code consoleAddress} (HOST:PORT)
 * where its agent serves their console logs to {@code vm console} on any machine.
 */
public record HostRecord(String id, String location, int cpus, long memoryBytes, String initiator,
    long heartbeat, String dataDir, String consoleAddress) {
  /** A host whose heartbeat is older than this is taken for dead (three missed beats and some slack). */
  public static final long DEAD_AFTER_MILLIS = 8_000;
  public static final long HEARTBEAT_MILLIS = 2_000;

  public boolean alive(long now) {
    return now - heartbeat < DEAD_AFTER_MILLIS;
  }

  public HostRecord beat(long now) {
    return new HostRecord(id, location, cpus, memoryBytes, initiator, now, dataDir, consoleAddress);
  }
}
