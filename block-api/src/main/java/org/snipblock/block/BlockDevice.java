package org.snipblock.block;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The seam between the frontends (iSCSI, NBD) and storage (a local volume or a replicated one).
 *
 * <p>Byte-addressed and asynchronous: every call returns at once and completes its future later,
 * so an event loop never waits on disk or network. Many calls may be in flight at once; calls
 * that overlap complete in an unspecified order, exactly as on a real disk with a queue.
 *
 * <p>Failures complete the future exceptionally with a {@link BlockDeviceException}; its
 * {@link BlockDeviceException.Kind} tells the frontend which sense code or errno to send.
 * Offsets and lengths must be multiples of {@link #blockSize()} and inside {@link #size()};
 * violations fail with {@code OUT_OF_RANGE} or {@code INVALID}, never partially applied.
 *
 * <p>A call is done with the buffers it was given once its future completes, whether it succeeded
 * or failed: the doors lend pooled memory for them and take it back then.
 */
public interface BlockDevice extends AutoCloseable {

  /** The name clients use: the iSCSI target suffix and the NBD export name. */
  String name();

  /** Current size in bytes; may grow while the device is open (online resize). */
  long size();

  /** Logical block size in bytes: 512 or 4096. */
  int blockSize();

  /** Stable 64-bit identity of the volume, used for SCSI device identifiers (NAA/EUI-64). */
  long uniqueId();

  /** True when writes, trims and zeroing are refused with {@code READ_ONLY}. */
  boolean readOnly();

  /**
   * Reads {@code dst.remaining()} bytes starting at {@code offset} into {@code dst}, advancing its
   * position. Unwritten ranges read as zeroes. Data whose checksum does not verify is never
   * returned: the future fails with {@code MEDIUM_ERROR}.
   */
  CompletableFuture<Void> read(long offset, ByteBuffer dst);

  /**
   * Writes {@code src.remaining()} bytes at {@code offset}. With {@code fua} the future completes
   * only once the data is durable (as after a flush); without it the data is visible to later
   * reads at completion and durable after the next {@link #flush()}. The device may read
   * {@code src} until the future completes (a request's buffer goes to the disk without a copy):
   * the caller neither changes nor frees it before then.
   */
  CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua);

  /** Makes every write completed before this call durable. */
  CompletableFuture<Void> flush();

  /**
   * Discards a range: afterwards it reads as zeroes and its space is given back. Trim is a hint
   * in NBD but this device always honours it completely, so callers may rely on the zeroes.
   */
  CompletableFuture<Void> trim(long offset, long length, boolean fua);

  /**
   * Makes a range read as zeroes. With {@code mayUnmap} the space may be deallocated (as trim);
   * without it the range stays allocated (NBD_CMD_FLAG_NO_HOLE, SCSI WRITE SAME without UNMAP).
   */
  CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap, boolean fua);

  /**
   * Atomically compares the bytes at {@code offset} with {@code expected} and, only if all are
   * equal, writes {@code replacement} (same length) there. No other write to the range can
   * interleave. Completes with -1 on success, or with the byte offset (relative to
   * {@code offset}) of the first byte that differed, in which case nothing was written.
   * Used by SCSI COMPARE AND WRITE, which hypervisors use as a disk lock.
   */
  CompletableFuture<Long> compareAndWrite(
      long offset, ByteBuffer expected, ByteBuffer replacement, boolean fua);

  /**
   * Describes allocation of {@code [offset, offset+length)} as consecutive extents covering the
   * whole range in order (adjacent extents of the same kind merged). May describe less than the
   * whole range only if it ends early at the device's end.
   */
  CompletableFuture<List<Extent>> allocation(long offset, long length);

  /**
   * Snapshots this device can report changes against ({@link #changedSince}), oldest first: for a
   * volume its snapshots, for a snapshot the older ones. Empty when the device keeps no history.
   */
  default List<String> changeBases() {
    return List.of();
  }

  /**
   * The runs of {@code [offset, offset+length)} written since snapshot {@code base} (as
   * {@link Extent#data} extents, in order; the gaps are unchanged): changed-block tracking, as NBD's
   * dirty-bitmap contexts report it. Fails with {@code INVALID} for a base not in
   * {@link #changeBases()}.
   */
  default CompletableFuture<List<Extent>> changedSince(String base, long offset, long length) {
    return CompletableFuture.failedFuture(new BlockDeviceException(BlockDeviceException.Kind.INVALID,
        name() + " keeps no snapshots to report changes against"));
  }

  /**
   * For a holder that serves many clients through one long-lived handle (an iSCSI logical unit):
   * if the volume was rolled back to a snapshot since this handle was opened or last adopted one,
   * the handle serves the new content from now on instead of failing, and this returns true, once
   * per rollback, so that the holder tells its clients (a unit attention). Handles never asked keep
   * failing with {@code UNAVAILABLE} after a rollback, so their clients reconnect.
   */
  default boolean adoptRollback() {
    return false;
  }

  /** Releases the device handle; in-flight calls complete first. Does not delete anything. */
  @Override
  void close();
}
