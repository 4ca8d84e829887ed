package org.snipblock.cluster;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.block.BlockDeviceException.Kind;
import org.snipblock.block.Extent;
import org.snipblock.cluster.replica.ReplicatedBlockDevice;

/**
 * One frontend's handle on a replicated volume. All handles of a volume on this node share its
 * one {@link ReplicatedBlockDevice}, because a volume has exactly one sequence of changes; closing
 * a handle leaves the others and the device alone.
 */
final class VolumeHandle implements BlockDevice {
  private final ReplicatedBlockDevice device;
  private volatile boolean closed;

  VolumeHandle(ReplicatedBlockDevice device) {
    this.device = device;
  }

  @Override public String name() { return device.name(); }
  @Override public long size() { return device.size(); }
  @Override public int blockSize() { return device.blockSize(); }
  @Override public long uniqueId() { return device.uniqueId(); }
  @Override public boolean readOnly() { return device.readOnly(); }

  @Override
  public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
    return closed ? closedFuture() : device.read(offset, dst);
  }

  @Override
  public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
    return closed ? closedFuture() : device.write(offset, src, fua);
  }

  @Override
  public CompletableFuture<Void> flush() {
    return closed ? closedFuture() : device.flush();
  }

  @Override
  public CompletableFuture<Void> trim(long offset, long length, boolean fua) {
    return closed ? closedFuture() : device.trim(offset, length, fua);
  }

  @Override
  public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap, boolean fua) {
    return closed ? closedFuture() : device.writeZeroes(offset, length, mayUnmap, fua);
  }

  @Override
  public CompletableFuture<Long> compareAndWrite(long offset, ByteBuffer expected, ByteBuffer replacement, boolean fua) {
    return closed ? closedFuture() : device.compareAndWrite(offset, expected, replacement, fua);
  }

  @Override
  public CompletableFuture<List<Extent>> allocation(long offset, long length) {
    return closed ? closedFuture() : device.allocation(offset, length);
  }

  @Override
  public void close() {
    closed = true;
  }

  private static <T> CompletableFuture<T> closedFuture() {
    return CompletableFuture.failedFuture(new BlockDeviceException(Kind.UNAVAILABLE, "handle closed"));
  }
}
