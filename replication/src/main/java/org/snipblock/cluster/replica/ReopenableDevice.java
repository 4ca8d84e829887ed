package org.snipblock.cluster.replica;

import java.util.function.Supplier;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.ForwardingBlockDevice;

/**
 * This node's handle on its own copy of a volume, opened anew after a rollback. The store fails
 * every handle opened before a rollback (so clients reconnect to the rolled-back content); the
 * primary's device and the replica side, which apply the rollback themselves, go on with a new one.
 */
public final class ReopenableDevice extends ForwardingBlockDevice {
  private final Supplier<BlockDevice> open;
  private volatile BlockDevice current;

  /** @param first a handle on the copy; {@code open} opens another (by {@link #reopen}) */
  public ReopenableDevice(BlockDevice first, Supplier<BlockDevice> open) {
    super(first);
    this.open = open;
    this.current = first;
  }

  /** Takes a new handle in place of the current one (after this copy was rolled back). */
  public synchronized void reopen() {
    BlockDevice old = current;
    current = open.get();
    old.close();
  }

  @Override
  protected BlockDevice delegate() {
    return current;
  }
}
