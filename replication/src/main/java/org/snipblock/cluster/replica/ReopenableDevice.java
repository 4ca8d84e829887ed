package org.snipblock.cluster.replica;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.Extent;

/**
 * This node's handle on its own copy of a volume, opened anew after a rollback. The store fails
 * every handle opened before a rollback (so clients reconnect to the rolled-back content); the
 * primary's device and the replica side, which apply the rollback themselves, go on with a new one.
 */
public final class ReopenableDevice implements BlockDevice {
  private final Supplier<BlockDevice> open;
  private volatile BlockDevice current;

  /** @param first a handle on the copy; {@code open} opens another (by {@link #reopen}) */
  public ReopenableDevice(BlockDevice first, Supplier<BlockDevice> open) {
    this.open = open;
    this.current = first;
  }

  /** Takes a new handle in place of the current one (after this copy was rolled back). */
  public synchronized void reopen() {
    BlockDevice old = current;
    current = open.get();
    old.close();
  }

  @Override public String name() { return current.name(); }
  @Override public long size() { return current.size(); }
  @Override public int blockSize() { return current.blockSize(); }
  @Override public long uniqueId() { return current.uniqueId(); }
  @Override public boolean readOnly() { return current.readOnly(); }
  @Override public CompletableFuture<Void> read(long offset, ByteBuffer dst) { return current.read(offset, dst); }
  @Override public CompletableFuture<Void> flush() { return current.flush(); }

  @Override
  public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
    return current.write(offset, src, fua);
  }

  @Override
  public CompletableFuture<Void> trim(long offset, long length, boolean fua) {
    return current.trim(offset, length, fua);
  }

  @Override
  public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap, boolean fua) {
    return current.writeZeroes(offset, length, mayUnmap, fua);
  }

  @Override
  public CompletableFuture<Long> compareAndWrite(long offset, ByteBuffer expected, ByteBuffer replacement, boolean fua) {
    return current.compareAndWrite(offset, expected, replacement, fua);
  }

  @Override
  public CompletableFuture<List<Extent>> allocation(long offset, long length) {
    return current.allocation(offset, length);
  }

  @Override
  public List<String> changeBases() {
    return current.changeBases();
  }

  @Override
  public CompletableFuture<List<Extent>> changedSince(String base, long offset, long length) {
    return current.changedSince(base, offset, length);
  }

  @Override
  public void close() {
    current.close();
  }
}
