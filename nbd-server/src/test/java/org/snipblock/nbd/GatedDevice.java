package org.snipblock.nbd;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.snipblock.block.ForwardingBlockDevice;
import org.snipblock.block.MemoryBlockDevice;

/**
 * A RAM disk whose reads and writes complete only when the test opens the gate for their offset,
 * or fail with a chosen exception: the test decides completion order and failures.
 */
final class GatedDevice extends ForwardingBlockDevice {
  private final ConcurrentHashMap<Long, CompletableFuture<Void>> gates = new ConcurrentHashMap<>();

  GatedDevice(long size) {
    super(new MemoryBlockDevice("gated", size, 512, false));
  }

  private CompletableFuture<Void> gate(long offset) {
    return gates.computeIfAbsent(offset, k -> new CompletableFuture<>());
  }

  /** Writes straight to the RAM behind the gates, as data that was there before the test. */
  void prefill(long offset, byte[] data) {
    delegate().write(offset, ByteBuffer.wrap(data), false).join();
  }

  void open(long offset) {
    gate(offset).complete(null);
  }

  void fail(long offset, RuntimeException e) {
    gate(offset).completeExceptionally(e);
  }

  @Override
  public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
    return gate(offset).thenCompose(v -> super.read(offset, dst));
  }

  @Override
  public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
    return gate(offset).thenCompose(v -> super.write(offset, src, fua));
  }

  @Override
  public CompletableFuture<Void> trim(long offset, long length, boolean fua) {
    return gate(offset).thenCompose(v -> super.trim(offset, length, fua));
  }

  @Override
  public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap, boolean fua) {
    return gate(offset).thenCompose(v -> super.writeZeroes(offset, length, mayUnmap, fua));
  }
}
