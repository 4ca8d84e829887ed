package org.snipblock.node.daemon;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.ForwardingBlockDevice;

/** A volume as one door (frontend) sees it: the store's device, with every call measured. */
final class MeteredBlockDevice extends ForwardingBlockDevice {
  private final IoMeters.Volume meters;

  MeteredBlockDevice(BlockDevice device, IoMeters meters, String door) {
    super(device);
    this.meters = meters.forVolume(device.name(), door);
  }

  @Override
  public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
    long start = System.nanoTime();
    return meters.record("read", dst.remaining(), super.read(offset, dst), start);
  }

  @Override
  public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
    long start = System.nanoTime();
    return meters.record("write", src.remaining(), super.write(offset, src, fua), start);
  }

  @Override
  public CompletableFuture<Void> flush() {
    long start = System.nanoTime();
    return meters.record("flush", 0, super.flush(), start);
  }

  @Override
  public CompletableFuture<Void> trim(long offset, long length, boolean fua) {
    long start = System.nanoTime();
    return meters.record("trim", 0, super.trim(offset, length, fua), start);
  }

  @Override
  public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap, boolean fua) {
    long start = System.nanoTime();
    return meters.record("write-zeroes", 0, super.writeZeroes(offset, length, mayUnmap, fua), start);
  }

  @Override
  public CompletableFuture<Long> compareAndWrite(
      long offset, ByteBuffer expected, ByteBuffer replacement, boolean fua) {
    long start = System.nanoTime();
    long bytes = replacement.remaining();
    return meters.record("compare-and-write", bytes,
        super.compareAndWrite(offset, expected, replacement, fua), start);
  }
}
