package org.snipblock.iscsi.scsi;

import java.util.concurrent.CompletableFuture;

/** One logical unit's shared state when nothing else shares it: a standalone target's. */
final class MemorySharedUnitState implements SharedUnitState {
  /** Read on every command without a lock; replaced only under it. */
  private volatile Versioned current;

  @Override
  public Versioned current(String device, long uniqueId) {
    return current;
  }

  @Override
  public synchronized CompletableFuture<Boolean> commit(String device, long uniqueId, long expectedVersion,
      byte[] state, boolean persistThroughPowerLoss) {
    long version = current == null ? 0 : current.version();
    if (version != expectedVersion) {
      return CompletableFuture.completedFuture(false);
    }
    current = new Versioned(version + 1, state.clone());
    return CompletableFuture.completedFuture(true);
  }
}
