package org.snipblock.nbd;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.Extent;
import org.snipblock.block.MemoryBlockDevice;

/**
 * A RAM disk whose reads and writes complete only when the test opens the gate for their offset,
 * or fail with a chosen exception: the test decides completion order and failures.
 */
final class GatedDevice implements BlockDevice {
  private final MemoryBlockDevice ram;
  private final ConcurrentHashMap<Long, CompletableFuture<Void>> gates = new ConcurrentHashMap<>();

  GatedDevice(long size) {
    ram = new MemoryBlockDevice("gated", size, 512, false);
  }

  private CompletableFuture<Void> gate(long offset) {
    return gates.computeIfAbsent(offset, k -> new CompletableFuture<>());
  }

  /** Writes straight to the RAM behind the gates, as data that was there before the test. */
  void prefill(long offset, byte[] data) {
    ram.write(offset, ByteBuffer.wrap(data), false).join();
  }

  void open(long offset) {
    gate(offset).complete(null);
  }

  void fail(long offset, RuntimeException e) {
    gate(offset).completeExceptionally(e);
  }

  @Override public String name() { return ram.name(); }
  @Override public long size() { return ram.size(); }
  @Override public int blockSize() { return ram.blockSize(); }
  @Override public long uniqueId() { return ram.uniqueId(); }
  @Override public boolean readOnly() { return false; }

  @Override
  public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
    return gate(offset).thenCompose(v -> ram.read(offset, dst));
  }

  @Override
  public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
    return gate(offset).thenCompose(v -> ram.write(offset, src, fua));
  }

  @Override
  public CompletableFuture<Void> flush() {
    return ram.flush();
  }

  @Override
  public CompletableFuture<Void> trim(long offset, long length, boolean fua) {
    return gate(offset).thenCompose(v -> ram.trim(offset, length, fua));
  }

  @Override
  public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap, boolean fua) {
    return gate(offset).thenCompose(v -> ram.writeZeroes(offset, length, mayUnmap, fua));
  }

  @Override
  public CompletableFuture<Long> compareAndWrite(long offset, ByteBuffer expected, ByteBuffer replacement, boolean fua) {
    return ram.compareAndWrite(offset, expected, replacement, fua);
  }

  @Override
  public CompletableFuture<List<Extent>> allocation(long offset, long length) {
    return ram.allocation(offset, length);
  }

  @Override
  public void close() {}
}
