package org.snipblock.store;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.block.BlockDeviceException.Kind;
import org.snipblock.block.BlockRange;
import org.snipblock.block.Extent;
import org.snipblock.store.journal.JournalBatch;

/**
 * A handle on one local volume, or on one of its snapshots (read-only). Requests are checked on the
 * caller's thread; reads up to 16 KiB, and writes of that size whose stripes are free while no
 * other change of the handle is under way, run there too, the rest on the store's I/O threads. Reads find each chunk's layer and verify
 * its CRC32C ({@link ChunkReader}); changes take the stripe locks of their chunks,
 * read-modify-write partial chunks, and hand one batch per request to the journal, which applies
 * it to the live layer and releases the locks.
 */
final class VolumeDevice implements BlockDevice {
  private static final int CHUNK = BlockCodec.CHUNK;
  /** Largest read, write or compare-and-write accepted in one request. */
  static final int MAX_IO_BYTES = 128 << 20;
  /** Largest read or write run on the caller's thread: small random I/O gains most from
   * skipping a hand-off; large requests would hold the event loop for longer. */
  private static final int INLINE_BYTES = 16 << 10;

  private final SnippetStore store;
  private final Volume volume;
  /** The snapshot this handle reads, or null for the live volume. */
  private final Layer snapshot;
  private final boolean fill;
  /** The volume's incarnation this handle serves: a rollback raises the volume's, failing the handle until adopted. */
  private final java.util.concurrent.atomic.AtomicInteger incarnation;
  private final java.util.concurrent.atomic.AtomicInteger changing = new java.util.concurrent.atomic.AtomicInteger();
  private final ChunkReader reader;
  private final ChunkWriter writer;
  private final DeviceCalls calls;
  private volatile boolean closed;

  VolumeDevice(SnippetStore store, Volume volume, Layer snapshot) {
    this(store, volume, snapshot, false);
  }

  /** {@code fill}: writes land in the snapshot's own layer ({@link SnapshotManager#fillSnapshot}). */
  VolumeDevice(SnippetStore store, Volume volume, Layer snapshot, boolean fill) {
    this.store = store;
    this.volume = volume;
    this.snapshot = snapshot;
    this.fill = fill;
    this.incarnation = new java.util.concurrent.atomic.AtomicInteger(volume.incarnation());
    this.reader = new ChunkReader(store.db(), store.chunkData(), volume, store.locks());
    this.writer = new ChunkWriter(store, volume, reader, fill ? snapshot : null);
    this.calls = new DeviceCalls(store, volume, this::gone);
    if (snapshot == null) {
      volume.openHandles.incrementAndGet();
    }
  }

  @Override public String name() {
    return snapshot == null ? volume.descriptor().name() : volume.descriptor().name() + "@" + snapshot.snapshot();
  }
  @Override public long size() { return volume.descriptor().size(); }
  @Override public int blockSize() { return volume.descriptor().blockSize(); }
  /** A snapshot has an identity of its own (its layer), so initiators never mistake it for the volume. */
  @Override public long uniqueId() {
    // Ids are 62-bit, so the top bits mark a snapshot apart from every volume.
    return snapshot == null ? volume.id() : snapshot.id | 1L << 62;
  }
  @Override public boolean readOnly() { return !fill && (snapshot != null || volume.descriptor().readOnly()); }

  /** The view reads go through: the snapshot's layer, or the volume's live layer now. */
  private Layer top() {
    return snapshot != null ? snapshot : volume.live();
  }

  @Override
  public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
    int len = dst.remaining();
    try {
      checkOpen();
      checkRange(offset, len);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (len <= INLINE_BYTES) {
      // Small reads run on the caller's thread: the chunk is one RocksDB get, usually served from
      // the block or page cache, which costs less than the two thread wake-ups of a hand-off.
      CompletableFuture<Void> done = calls.inline(() -> {
        reader.read(top(), offset, dst);
        return null;
      });
      if (done != null) {
        return done;
      }
    }
    return calls.onIoThread(() -> {
      reader.read(top(), offset, dst);
      return null;
    });
  }

  @Override
  public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
    int len = src.remaining();
    try {
      checkWritable();
      checkRange(offset, len);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    // Not copied: the caller keeps src until the future completes (see BlockDevice#write), so a
    // door's direct buffer goes to the extent file as it is (a heap copy cost two 128 KiB copies
    // per sequential write: into the array, and the JDK's into a direct buffer for the pwrite).
    ByteBuffer data = src.slice();
    src.position(src.limit());
    return change(offset, len, fua, true, (batch, changes) -> {
      writer.putData(offset, data, batch, changes);
      return null;
    }).thenApply(x -> null);
  }

  @Override
  public CompletableFuture<Void> flush() {
    try {
      checkOpen();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return store.journal().sync();
  }

  @Override
  public CompletableFuture<Void> trim(long offset, long length, boolean fua) {
    return writeZeroes(offset, length, true, fua);
  }

  @Override
  public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap, boolean fua) {
    try {
      checkWritable();
      BlockRange.check(offset, length, size(), blockSize());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return change(offset, length, fua, (batch, changes) -> {
      writer.zero(offset, length, mayUnmap, batch, changes);
      return null;
    }).thenApply(x -> null);
  }

  @Override
  public CompletableFuture<Long> compareAndWrite(
      long offset, ByteBuffer expected, ByteBuffer replacement, boolean fua) {
    int len = expected.remaining();
    byte[] want;
    byte[] put;
    try {
      checkWritable();
      if (replacement.remaining() != len) {
        throw new BlockDeviceException(Kind.INVALID, "compare and write buffers differ in length");
      }
      checkRange(offset, len);
      want = new byte[len];
      put = new byte[len];
      expected.get(want);
      replacement.get(put);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return change(offset, len, fua, (batch, changes) -> {
      byte[] current = reader.range(volume.live(), offset, len);
      int start = (int) (offset % CHUNK);
      int diff = java.util.Arrays.mismatch(current, start, start + len, want, 0, len);
      if (diff >= 0) {
        return (long) diff;
      }
      writer.putData(offset, put, batch, changes);
      return null;
    }).thenApply(r -> r == null ? -1L : r);
  }

  @Override
  public CompletableFuture<List<Extent>> allocation(long offset, long length) {
    try {
      checkOpen();
      BlockRange.check(offset, length, size(), blockSize());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    // The allocation map is in memory: answering here costs less than handing the call over.
    CompletableFuture<List<Extent>> out = new CompletableFuture<>();
    if (store.abandoned() || !volume.enter()) {
      out.completeExceptionally(store.abandoned()
          ? new BlockDeviceException(Kind.UNAVAILABLE, "store is closed") : gone());
      return out;
    }
    try {
      out.complete(length == 0 ? List.of() : LayerReads.extents(top(), offset, length));
    } catch (RuntimeException e) {
      out.completeExceptionally(DeviceCalls.asDeviceError(e));
    } finally {
      volume.exit();
    }
    return out;
  }

  @Override
  public List<String> changeBases() {
    return ChangeTracking.bases(volume, top());
  }

  @Override
  public CompletableFuture<List<Extent>> changedSince(String base, long offset, long length) {
    try {
      checkOpen();
      BlockRange.check(offset, length, size(), blockSize());
      // In memory, like allocation: cheaper answered here than handed over.
      return CompletableFuture.completedFuture(ChangeTracking.changed(volume, top(), base, offset, length));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(DeviceCalls.asDeviceError(e));
    }
  }

  @Override
  public boolean adoptRollback() {
    int had = incarnation.get();
    int now = volume.incarnation();
    return now != had && incarnation.compareAndSet(had, now);
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      if (snapshot == null) {
        volume.openHandles.decrementAndGet();
      }
    }
  }

  // ---- the data path -------------------------------------------------------------------------

  /**
   * Builds one journal batch under the range's locks (writing new data to its extent slots on the
   * way); a non-null result means "nothing to write".
   */
  private interface Change {
    Long build(JournalBatch batch, List<long[]> changes) throws Exception;
  }

  private CompletableFuture<Long> change(long offset, long length, boolean fua, Change change) {
    return change(offset, length, fua, false, change);
  }

  /**
   * Runs a change on an I/O thread, or with {@code mayInline}, when it is small, its stripes are
   * free and no other change of this handle is under way, right here: a thread hand-off less each
   * way, which was most of a depth-1 write's latency (idle A/B, session 12: +13-36 % 4 KiB writes
   * at depth 1). With changes under way the I/O threads take it: run on the event loop too, writes
   * at depth 32 lost a quarter of their rate, for the loop then did every pwrite one after another.
   */
  private CompletableFuture<Long> change(long offset, long length, boolean fua, boolean mayInline,
      Change change) {
    CompletableFuture<Long> out = new CompletableFuture<>();
    if (length == 0) {
      return fua ? store.journal().sync().thenApply(x -> null) : CompletableFuture.completedFuture(null);
    }
    boolean alone = changing.getAndIncrement() == 0;
    out.whenComplete((r, e) -> changing.decrementAndGet());
    if (mayInline && alone && length <= INLINE_BYTES) {
      int[] stripes = stripesOf(offset, length);
      if (store.locks().tryAcquire(stripes)) {
        if (!store.abandoned() && volume.enter()) {
          runLocked(stripes, fua, change, out);
          return out;
        }
        store.locks().release(stripes);
      }
    }
    try {
      store.io().execute(() -> runChange(offset, length, fua, change, out));
    } catch (RejectedExecutionException e) {
      out.completeExceptionally(new BlockDeviceException(Kind.UNAVAILABLE, "store is closed"));
    }
    return out;
  }

  private int[] stripesOf(long offset, long length) {
    return store.locks().stripesFor(volume.id(), offset / CHUNK, (offset + length - 1) / CHUNK);
  }

  private void runChange(long offset, long length, boolean fua, Change change, CompletableFuture<Long> out) {
    if (store.abandoned()) {
      out.completeExceptionally(new BlockDeviceException(Kind.UNAVAILABLE, "store is closed"));
      return;
    }
    if (!volume.enter()) {
      out.completeExceptionally(gone());
      return;
    }
    int[] stripes = stripesOf(offset, length);
    store.locks().acquire(stripes);
    runLocked(stripes, fua, change, out);
  }

  /** Builds and submits a change; holds the stripes and the volume, and lets both go when done. */
  private void runLocked(int[] stripes, boolean fua, Change change, CompletableFuture<Long> out) {
    boolean handedOver = false;
    List<long[]> changes = new ArrayList<>();
    try {
      JournalBatch batch = new JournalBatch();
      Long result = change.build(batch, changes);
      if (result == null && batch.isEmpty() && fua) {
        // Nothing to change (a trim of chunks already unmapped), yet a FUA request promises that
        // what it asked for is durable, and that may rest on an earlier change whose record is not
        // synced yet: without this sync a power cut brought back data under a completed FUA trim.
        store.journal().sync().whenComplete((v, e) -> completeWith(out, e));
        return;
      }
      if (result != null || batch.isEmpty()) {
        out.complete(result);
        return;
      }
      store.checkSpace(writer.spaceDelta(changes));
      handedOver = true;
      store.journal().submit(batch, fua, err -> {
        try {
          if (err == null) {
            writer.applyChanges(changes);
          } else {
            writer.abandon(changes);
          }
        } finally {
          store.locks().release(stripes);
          volume.exit();
        }
      }).whenComplete((v, e) -> completeWith(out, e));
    } catch (Throwable e) {
      out.completeExceptionally(DeviceCalls.asDeviceError(e));
    } finally {
      if (!handedOver) {
        writer.abandon(changes);
        store.locks().release(stripes);
        volume.exit();
      }
    }
  }

  private static void completeWith(CompletableFuture<Long> out, Throwable e) {
    if (e != null) {
      out.completeExceptionally(DeviceCalls.unwrap(e));
    } else {
      out.complete(null);
    }
  }

  // ---- plumbing ------------------------------------------------------------------------------

  private void checkOpen() {
    if (closed) {
      throw new BlockDeviceException(Kind.UNAVAILABLE, "device handle for " + name() + " is closed");
    }
    if (volume.deleted()) {
      throw gone();
    }
    if (snapshot != null && snapshot.dropped()) {
      throw new BlockDeviceException(Kind.UNAVAILABLE, "snapshot " + name() + " was deleted");
    }
    if (volume.incarnation() != incarnation.get()) {
      throw new BlockDeviceException(Kind.UNAVAILABLE,
          "volume " + volume.descriptor().name() + " was rolled back to a snapshot; reconnect");
    }
  }

  private void checkWritable() {
    checkOpen();
    if (readOnly()) {
      throw new BlockDeviceException(Kind.READ_ONLY, name() + " is read-only");
    }
  }

  private BlockDeviceException gone() {
    return new BlockDeviceException(Kind.UNAVAILABLE, "volume " + name() + " was deleted");
  }

  private void checkRange(long offset, int len) {
    VolumeDescriptor d = volume.descriptor();
    BlockRange.check(offset, len, d.size(), d.blockSize());
    if (len > MAX_IO_BYTES) {
      throw new BlockDeviceException(Kind.INVALID, "request of " + len + " bytes exceeds the limit of " + MAX_IO_BYTES);
    }
  }
}
