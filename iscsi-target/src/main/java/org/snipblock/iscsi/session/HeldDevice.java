package org.snipblock.iscsi.session;

import org.snipblock.block.BlockDevice;
import org.snipblock.block.ForwardingBlockDevice;

/**
 * The device handle under one shared logical unit, held only while sessions use the unit: an open
 * handle counts as a connected client (a rollback refuses while one is open), so a unit no one is
 * logged in to must not keep one. The unit itself (reservations, mode pages) outlives its sessions;
 * a released handle stays as the last one known, closed, so a late call fails as on a closed handle.
 */
final class HeldDevice extends ForwardingBlockDevice {
  private volatile BlockDevice handle;
  private boolean released;

  HeldDevice(BlockDevice handle) {
    super(handle);
    this.handle = handle;
  }

  @Override
  protected BlockDevice delegate() {
    return handle;
  }

  /** Takes {@code fresh} as the handle if the last one was released; false (keep yours) if one is held. */
  synchronized boolean attach(BlockDevice fresh) {
    if (!released) {
      return false;
    }
    handle = fresh;
    released = false;
    return true;
  }

  /** Closes the handle held (the unit's last session ended). */
  synchronized void release() {
    if (!released) {
      released = true;
      handle.close();
    }
  }

  @Override
  public void close() {
    release();
  }
}
