package org.snipblock.block;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.snipblock.block.BlockDeviceException.Kind;

/**
 * A thin RAM disk: like nbdkit's memory plugin. Volatile by nature (flush is a no-op), used where
 * the backend must not be the thing measured: codec benchmarks and protocol tests.
 * Pages are allocated on first write and dropped on trim, so allocation status is real.
 */
public final class MemoryBlockDevice implements BlockDevice {
  private static final int PAGE = 4096;

  private final String name;
  private final long size;
  private final int blockSize;
  private final boolean readOnly;
  private final ConcurrentHashMap<Long, byte[]> pages = new ConcurrentHashMap<>();
  // Writers of different pages proceed together; compare-and-write takes it exclusively.
  private final ReentrantReadWriteLock atomicity = new ReentrantReadWriteLock();

  public MemoryBlockDevice(String name, long size, int blockSize, boolean readOnly) {
    if (blockSize != 512 && blockSize != 4096) {
      throw new IllegalArgumentException("block size must be 512 or 4096");
    }
    if (size < 0 || size % PAGE != 0) {
      throw new IllegalArgumentException("size must be a multiple of " + PAGE);
    }
    this.name = name;
    this.size = size;
    this.blockSize = blockSize;
    this.readOnly = readOnly;
  }

  @Override public String name() { return name; }
  @Override public long size() { return size; }
  @Override public int blockSize() { return blockSize; }
  @Override public long uniqueId() { return name.hashCode() & 0xffffffffL; }
  @Override public boolean readOnly() { return readOnly; }

  @Override
  public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
    return run(() -> {
      BlockRange.check(offset, dst.remaining(), size, blockSize);
      copyOut(offset, dst);
    });
  }

  @Override
  public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
    return run(() -> {
      checkWritable(offset, src.remaining());
      atomicity.readLock().lock();
      try {
        copyIn(offset, src);
      } finally {
        atomicity.readLock().unlock();
      }
    });
  }

  @Override
  public CompletableFuture<Void> flush() {
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletableFuture<Void> trim(long offset, long length, boolean fua) {
    return writeZeroes(offset, length, true, fua);
  }

  @Override
  public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap, boolean fua) {
    return run(() -> {
      checkWritable(offset, length);
      atomicity.readLock().lock();
      try {
        zero(offset, length, mayUnmap);
      } finally {
        atomicity.readLock().unlock();
      }
    });
  }

  @Override
  public CompletableFuture<Long> compareAndWrite(
      long offset, ByteBuffer expected, ByteBuffer replacement, boolean fua) {
    CompletableFuture<Long> f = new CompletableFuture<>();
    try {
      if (expected.remaining() != replacement.remaining()) {
        throw new BlockDeviceException(Kind.INVALID, "compare and write buffers differ in length");
      }
      checkWritable(offset, expected.remaining());
      atomicity.writeLock().lock();
      try {
        ByteBuffer current = ByteBuffer.allocate(expected.remaining());
        copyOut(offset, current);
        current.flip();
        int mismatch = current.mismatch(expected);
        if (mismatch >= 0) {
          f.complete((long) mismatch);
        } else {
          copyIn(offset, replacement);
          f.complete(-1L);
        }
      } finally {
        atomicity.writeLock().unlock();
      }
    } catch (RuntimeException e) {
      f.completeExceptionally(e);
    }
    return f;
  }

  @Override
  public CompletableFuture<List<Extent>> allocation(long offset, long length) {
    CompletableFuture<List<Extent>> f = new CompletableFuture<>();
    try {
      BlockRange.check(offset, length, size, blockSize);
      List<Extent> out = new ArrayList<>();
      long pos = offset;
      long end = offset + length;
      while (pos < end) {
        long pageEnd = Math.min(end, (pos / PAGE + 1) * PAGE);
        boolean hole = !pages.containsKey(pos / PAGE);
        Extent last = out.isEmpty() ? null : out.get(out.size() - 1);
        if (last != null && last.hole() == hole) {
          out.set(out.size() - 1, new Extent(last.offset(), pageEnd - last.offset(), hole, hole));
        } else {
          out.add(new Extent(pos, pageEnd - pos, hole, hole));
        }
        pos = pageEnd;
      }
      f.complete(out);
    } catch (RuntimeException e) {
      f.completeExceptionally(e);
    }
    return f;
  }

  @Override
  public void close() {}

  private void checkWritable(long offset, long length) {
    if (readOnly) {
      throw new BlockDeviceException(Kind.READ_ONLY, name + " is read-only");
    }
    BlockRange.check(offset, length, size, blockSize);
  }

  private void copyOut(long offset, ByteBuffer dst) {
    long pos = offset;
    while (dst.hasRemaining()) {
      int in = (int) (pos % PAGE);
      int n = Math.min(PAGE - in, dst.remaining());
      byte[] page = pages.get(pos / PAGE);
      if (page == null) {
        for (int i = 0; i < n; i++) {
          dst.put((byte) 0);
        }
      } else {
        synchronized (page) {
          dst.put(page, in, n);
        }
      }
      pos += n;
    }
  }

  private void copyIn(long offset, ByteBuffer src) {
    long pos = offset;
    while (src.hasRemaining()) {
      int in = (int) (pos % PAGE);
      int n = Math.min(PAGE - in, src.remaining());
      byte[] page = pages.computeIfAbsent(pos / PAGE, k -> new byte[PAGE]);
      synchronized (page) {
        src.get(page, in, n);
      }
      pos += n;
    }
  }

  private void zero(long offset, long length, boolean mayUnmap) {
    long pos = offset;
    long end = offset + length;
    while (pos < end) {
      int in = (int) (pos % PAGE);
      int n = (int) Math.min(PAGE - in, end - pos);
      if (mayUnmap && n == PAGE) {
        pages.remove(pos / PAGE);
      } else {
        byte[] page = pages.computeIfAbsent(pos / PAGE, k -> new byte[PAGE]);
        synchronized (page) {
          java.util.Arrays.fill(page, in, in + n, (byte) 0);
        }
      }
      pos += n;
    }
  }

  private static CompletableFuture<Void> run(Runnable r) {
    try {
      r.run();
      return CompletableFuture.completedFuture(null);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}
