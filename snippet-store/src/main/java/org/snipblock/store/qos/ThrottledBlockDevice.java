package org.snipblock.store.qos;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.ForwardingBlockDevice;

/**
 * A volume behind its throttle: reads, writes, zeroes, trims and compare-and-writes start when
 * the volume's limits allow (trims and zeroes count as write operations, not bytes: they carry no
 * data, and counting their length would make a guest's discard of a whole disk take hours); flushes and
 * allocation queries pass at once. Used where a node serves its own store's volumes (a
 * standalone node); a cluster's primary throttles inside its replicated device instead.
 */
public final class ThrottledBlockDevice extends ForwardingBlockDevice {
  private final Supplier<VolumeThrottle> throttles;

  /** @param throttles the throttle of the volume's budget now (it changes when the volume joins or leaves a group) */
  public ThrottledBlockDevice(BlockDevice device, Supplier<VolumeThrottle> throttles) {
    super(device);
    this.throttles = throttles;
  }

  @Override
  public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
    return throttles.get().then(false, dst.remaining(), () -> super.read(offset, dst));
  }

  @Override
  public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
    return throttles.get().then(true, src.remaining(), () -> super.write(offset, src, fua));
  }

  @Override
  public CompletableFuture<Void> trim(long offset, long length, boolean fua) {
    return throttles.get().then(true, 0, () -> super.trim(offset, length, fua));
  }

  @Override
  public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap, boolean fua) {
    return throttles.get().then(true, 0, () -> super.writeZeroes(offset, length, mayUnmap, fua));
  }

  @Override
  public CompletableFuture<Long> compareAndWrite(long offset, ByteBuffer expected, ByteBuffer replacement, boolean fua) {
    return throttles.get().then(true, replacement.remaining(), () -> super.compareAndWrite(offset, expected, replacement, fua));
  }
}
