package org.snipblock.node.daemon;

import java.util.concurrent.CompletableFuture;
import org.snipblock.cluster.SharedScsiStates;
import org.snipblock.iscsi.scsi.SharedUnitState;

/**
 * The iSCSI logical units' shared state (reservations) kept in the cluster metadata, so every
 * node's door to a volume sees one state. Snapshots' targets ({@code NAME@SNAP}, read-only) keep
 * theirs per node: see {@link #forDevice}.
 */
final class ClusterUnitStates implements SharedUnitState {
  private final SharedScsiStates states;

  ClusterUnitStates(SharedScsiStates states) {
    this.states = states;
  }

  /** The shared state for a device's logical unit: this, or null (the unit's own memory) for a snapshot. */
  SharedUnitState forDevice(String device) {
    return device.indexOf('@') < 0 ? this : null;
  }

  @Override
  public Versioned current(String device, long uniqueId) {
    return states.current(device, uniqueId).filter(s -> s.version() > 0)
        .map(s -> new Versioned(s.version(), s.bytes())).orElse(null);
  }

  @Override
  public CompletableFuture<Boolean> commit(String device, long uniqueId, long expectedVersion, byte[] state,
      boolean persistThroughPowerLoss) {
    return states.put(device, uniqueId, expectedVersion, state, persistThroughPowerLoss);
  }

  @Override
  public CompletableFuture<Boolean> caughtUp(String device, long uniqueId) {
    return states.caughtUp(device, uniqueId);
  }

  /** The metadata outlives every node: only a whole-cluster restart is a power loss, and APTPL then keeps a state. */
  @Override
  public boolean persistsThroughPowerLoss() {
    return true;
  }
}
