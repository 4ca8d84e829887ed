package org.snipblock.cluster.door;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.block.BlockDeviceException.Kind;
import org.snipblock.block.Extent;
import org.snipblock.cluster.proto.VolumeIoReply;
import org.snipblock.cluster.proto.VolumeIoRequest;
import org.snipblock.cluster.proto.VolumeIoRequest.Op;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.replica.Checksums;

/**
 * A clustered volume as one node's iSCSI/NBD door serves it, whichever node is the primary.
 *
 * <p>Every node serves every volume. For each request the door reads the metadata: if it names
 * this node as primary and the node's replicated device is serving, the request runs there;
 * otherwise it is forwarded to the primary's {@link VolumeIoService} over this node's one request
 * stream to that node ({@link PrimaryStream}: requests with ids, replies in completion order, so a
 * frontend keeps as many requests in flight as it likes). Payloads travel with a CRC32C each way; a
 * mismatch is refused (by the primary) or fails the request (at the door), never stored or
 * returned.
 *
 * <p>Failover is transparent: when the primary dies, is fenced (it refuses with NOT_PRIMARY) or is
 * replaced, requests wait for the metadata to name the new primary and go there, bounded by the
 * doors' window, after which they fail with UNAVAILABLE. A write that had reached the old primary
 * may thus be applied twice, once by each primary: that is harmless because a write is the same
 * bytes at the same offset (as are zeroes, trim and flush), and until it is acknowledged the
 * initiator cannot rely on its order against overlapping writes anyway. Compare-and-write is
 * repeated only when it surely did not run; see {@link DoorCall}.
 *
 * <p>Closing a door closes nothing shared: the primary's device and the channels belong to the node.
 */
public final class VolumeDoor implements BlockDevice {
  private final Doors doors;
  private final String name;
  private volatile VolumeRecord lastKnown;
  private volatile boolean closed;
  // A rollback raises the volume's incarnation: a handle opened before fails from then on, as on a standalone node.
  private final java.util.concurrent.atomic.AtomicLong incarnation;

  VolumeDoor(Doors doors, VolumeRecord volume) {
    this.doors = doors;
    this.name = volume.getName();
    this.lastKnown = volume;
    this.incarnation = new java.util.concurrent.atomic.AtomicLong(doors.handles().incarnation(name, volume.getIncarnation()));
  }

  /** The metadata's current record (size grows with an online resize); the last one seen once deleted. */
  private VolumeRecord record() {
    doors.routes().volume(name).ifPresent(v -> lastKnown = v);
    return lastKnown;
  }

  @Override public String name() { return name; }
  @Override public long size() { return record().getSize(); }
  @Override public int blockSize() { return record().getBlockSize(); }
  @Override public long uniqueId() { return record().getUid(); }
  @Override public boolean readOnly() { return record().getReadOnly(); }

  @Override
  public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
    int length = dst.remaining();
    if (length > VolumeIoService.MAX_PAYLOAD) {
      return tooLarge(length);
    }
    return call(Op.READ, true, r -> r.setOffset(offset).setLength(length),
        d -> d.read(offset, dst.duplicate()).thenRun(() -> dst.position(dst.position() + length)),
        reply -> {
          ByteString data = reply.getData();
          if (data.size() != length || Checksums.crc32c(data) != reply.getCrc32C()) {
            throw new BlockDeviceException(Kind.IO_ERROR, "volume " + name + ": read reply from "
                + reply.getNode() + " failed its CRC32C or length check; not returned");
          }
          dst.put(data.asReadOnlyByteBuffer());
          return null;
        });
  }

  @Override
  public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
    if (src.remaining() > VolumeIoService.MAX_PAYLOAD) {
      return tooLarge(src.remaining());
    }
    return call(Op.WRITE, true, r -> {
      ByteString data = UnsafeByteOperations.unsafeWrap(src.duplicate());
      return r.setOffset(offset).setLength(data.size()).setData(data).setCrc32C(Checksums.crc32c(data)).setFua(fua);
    }, d -> d.write(offset, src.duplicate(), fua), reply -> null);
  }

  @Override
  public CompletableFuture<Void> flush() {
    return call(Op.FLUSH, true, r -> r, BlockDevice::flush, reply -> null);
  }

  @Override
  public CompletableFuture<Void> trim(long offset, long length, boolean fua) {
    return call(Op.TRIM, true, r -> r.setOffset(offset).setLength(length).setFua(fua),
        d -> d.trim(offset, length, fua), reply -> null);
  }

  @Override
  public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap, boolean fua) {
    return call(Op.ZEROES, true, r -> r.setOffset(offset).setLength(length).setMayUnmap(mayUnmap).setFua(fua),
        d -> d.writeZeroes(offset, length, mayUnmap, fua), reply -> null);
  }

  @Override
  public CompletableFuture<Long> compareAndWrite(long offset, ByteBuffer expected, ByteBuffer replacement, boolean fua) {
    if (replacement.remaining() > VolumeIoService.MAX_PAYLOAD) {
      return tooLarge(replacement.remaining());
    }
    return call(Op.COMPARE_AND_WRITE, false, r -> {
      ByteString data = UnsafeByteOperations.unsafeWrap(replacement.duplicate());
      ByteString want = UnsafeByteOperations.unsafeWrap(expected.duplicate());
      return r.setOffset(offset).setLength(data.size()).setData(data).setCrc32C(Checksums.crc32c(data))
          .setExpected(want).setExpectedCrc32C(Checksums.crc32c(want)).setFua(fua);
    }, d -> d.compareAndWrite(offset, expected.duplicate(), replacement.duplicate(), fua),
        VolumeIoReply::getMiscompare);
  }

  @Override
  public CompletableFuture<List<Extent>> allocation(long offset, long length) {
    return call(Op.ALLOCATION, true, r -> r.setOffset(offset).setLength(length),
        d -> d.allocation(offset, length),
        reply -> reply.getExtentsList().stream()
            .map(e -> new Extent(e.getOffset(), e.getLength(), e.getHole(), e.getZero())).toList());
  }

  /** The snapshots of this node's copy (the same on every copy); the primary answers {@link #changedSince}. */
  @Override
  public List<String> changeBases() {
    return doors.routes().snapshots(name);
  }

  @Override
  public CompletableFuture<List<Extent>> changedSince(String base, long offset, long length) {
    return call(Op.CHANGED, true, r -> r.setOffset(offset).setLength(length).setBase(base),
        d -> d.changedSince(base, offset, length),
        reply -> reply.getExtentsList().stream().map(e -> Extent.data(e.getOffset(), e.getLength())).toList());
  }

  /** Requests already under way complete; the shared device and channels stay open. */
  @Override
  public boolean adoptRollback() {
    long had = incarnation.get();
    long now = doors.handles().incarnation(name, had);
    return now != had && incarnation.compareAndSet(had, now);
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      doors.handles().closed(name);
    }
  }

  private <T> CompletableFuture<T> call(Op op, boolean idempotent,
      Function<VolumeIoRequest.Builder, VolumeIoRequest.Builder> form,
      Function<BlockDevice, CompletableFuture<T>> local, Function<VolumeIoReply, T> remote) {
    if (closed) {
      return CompletableFuture.failedFuture(new BlockDeviceException(Kind.UNAVAILABLE, "door on " + name + " closed"));
    }
    long served = incarnation.get();
    if (doors.handles().incarnation(name, served) != served) {
      return CompletableFuture.failedFuture(new BlockDeviceException(Kind.UNAVAILABLE,
          "volume " + name + " was rolled back to a snapshot; reconnect"));
    }
    return new DoorCall<>(doors, name, idempotent,
        () -> form.apply(VolumeIoRequest.newBuilder().setVolume(name).setOp(op)).build(), local, remote).start();
  }

  private <T> CompletableFuture<T> tooLarge(int length) {
    return CompletableFuture.failedFuture(new BlockDeviceException(Kind.INVALID,
        "request of " + length + " bytes exceeds " + VolumeIoService.MAX_PAYLOAD));
  }
}
