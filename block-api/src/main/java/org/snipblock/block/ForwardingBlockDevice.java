package org.snipblock.block;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link BlockDevice} that hands every call to another one. Subclasses override only the calls
 * they change (meter them, gate them, fail them) and inherit plain delegation for the rest,
 * including {@link #close()}, which closes the wrapped device. Every call goes through
 * {@link #delegate()}, so a subclass whose wrapped device changes over time overrides that alone.
 */
public abstract class ForwardingBlockDevice implements BlockDevice {
  private final BlockDevice delegate;

  protected ForwardingBlockDevice(BlockDevice delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  /** The wrapped device: the one given at construction unless a subclass swaps it. */
  protected BlockDevice delegate() {
    return delegate;
  }

  @Override
  public String name() {
    return delegate().name();
  }

  @Override
  public long size() {
    return delegate().size();
  }

  @Override
  public int blockSize() {
    return delegate().blockSize();
  }

  @Override
  public long uniqueId() {
    return delegate().uniqueId();
  }

  @Override
  public boolean readOnly() {
    return delegate().readOnly();
  }

  @Override
  public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
    return delegate().read(offset, dst);
  }

  @Override
  public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
    return delegate().write(offset, src, fua);
  }

  @Override
  public CompletableFuture<Void> flush() {
    return delegate().flush();
  }

  @Override
  public CompletableFuture<Void> trim(long offset, long length, boolean fua) {
    return delegate().trim(offset, length, fua);
  }

  @Override
  public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap, boolean fua) {
    return delegate().writeZeroes(offset, length, mayUnmap, fua);
  }

  @Override
  public CompletableFuture<Long> compareAndWrite(
      long offset, ByteBuffer expected, ByteBuffer replacement, boolean fua) {
    return delegate().compareAndWrite(offset, expected, replacement, fua);
  }

  @Override
  public CompletableFuture<List<Extent>> allocation(long offset, long length) {
    return delegate().allocation(offset, length);
  }

  @Override
  public List<String> changeBases() {
    return delegate().changeBases();
  }

  @Override
  public CompletableFuture<List<Extent>> changedSince(String base, long offset, long length) {
    return delegate().changedSince(base, offset, length);
  }

  @Override
  public boolean adoptRollback() {
    return delegate().adoptRollback();
  }

  @Override
  public void close() {
    delegate().close();
  }
}
