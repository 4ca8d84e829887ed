package org.snipblock.nbd;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.block.BlockDeviceException.Kind;
import org.snipblock.block.Extent;
import org.snipblock.block.MemoryBlockDevice;

/** A memory device with snapshots to report changes against: fixed changed runs per snapshot. */
final class TrackedDevice implements BlockDevice {
  private final MemoryBlockDevice d;
  private final Map<String, List<Extent>> changes;

  TrackedDevice(String name, long size, Map<String, List<Extent>> changes) {
    this.d = new MemoryBlockDevice(name, size, 512, false);
    this.changes = changes;
  }

  @Override public String name() { return d.name(); }
  @Override public long size() { return d.size(); }
  @Override public int blockSize() { return d.blockSize(); }
  @Override public long uniqueId() { return d.uniqueId(); }
  @Override public boolean readOnly() { return d.readOnly(); }
  @Override public CompletableFuture<Void> read(long offset, ByteBuffer dst) { return d.read(offset, dst); }
  @Override public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
    return d.write(offset, src, fua);
  }
  @Override public CompletableFuture<Void> flush() { return d.flush(); }
  @Override public CompletableFuture<Void> trim(long offset, long length, boolean fua) {
    return d.trim(offset, length, fua);
  }
  @Override public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap, boolean fua) {
    return d.writeZeroes(offset, length, mayUnmap, fua);
  }
  @Override public CompletableFuture<Long> compareAndWrite(long offset, ByteBuffer e, ByteBuffer r, boolean fua) {
    return d.compareAndWrite(offset, e, r, fua);
  }
  @Override public CompletableFuture<List<Extent>> allocation(long offset, long length) {
    return d.allocation(offset, length);
  }
  @Override public void close() {}

  @Override
  public List<String> changeBases() {
    return List.copyOf(new java.util.TreeSet<>(changes.keySet()));
  }

  /** A snapshot mapped to null stands for one deleted since the client selected its context. */
  @Override
  public CompletableFuture<List<Extent>> changedSince(String base, long offset, long length) {
    List<Extent> e = changes.get(base);
    return e == null
        ? CompletableFuture.failedFuture(new BlockDeviceException(Kind.INVALID, "no snapshot " + base))
        : CompletableFuture.completedFuture(e);
  }
}
