package org.snipblock.node.daemon;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.Extent;

/** A volume as the frontends see it: the store's device, with every call measured. */
final class MeteredBlockDevice implements BlockDevice {
  private final BlockDevice device;
  private final IoMeters.Volume meters;

  MeteredBlockDevice(BlockDevice device, IoMeters meters) {
    this.device = device;
    this.meters = meters.forVolume(device.name());
  }

  @Override public String name() { return device.name(); }
  @Override public long size() { return device.size(); }
  @Override public int blockSize() { return device.blockSize(); }
  @Override public long uniqueId() { return device.uniqueId(); }
  @Override public boolean readOnly() { return device.readOnly(); }

  @Override
  public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
    long start = System.nanoTime();
    return meters.record("read", dst.remaining(), device.read(offset, dst), start);
  }

  @Override
  public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
    long start = System.nanoTime();
    return meters.record("write", src.remaining(), device.write(offset, src, fua), start);
  }

  @Override
  public CompletableFuture<Void> flush() {
    long start = System.nanoTime();
    return meters.record("flush", 0, device.flush(), start);
  }

  @Override
  public CompletableFuture<Void> trim(long offset, long length, boolean fua) {
    long start = System.nanoTime();
    return meters.record("trim", 0, device.trim(offset, length, fua), start);
  }

  @Override
  public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap, boolean fua) {
    long start = System.nanoTime();
    return meters.record("write-zeroes", 0, device.writeZeroes(offset, length, mayUnmap, fua), start);
  }

  @Override
  public CompletableFuture<Long> compareAndWrite(
      long offset, ByteBuffer expected, ByteBuffer replacement, boolean fua) {
    long start = System.nanoTime();
    long bytes = replacement.remaining();
    return meters.record("compare-and-write", bytes,
        device.compareAndWrite(offset, expected, replacement, fua), start);
  }

  @Override
  public CompletableFuture<List<Extent>> allocation(long offset, long length) {
    return device.allocation(offset, length);
  }

  @Override
  public List<String> changeBases() {
    return device.changeBases();
  }

  @Override
  public CompletableFuture<List<Extent>> changedSince(String base, long offset, long length) {
    return device.changedSince(base, offset, length);
  }

  @Override
  public void close() {
    device.close();
  }
}
