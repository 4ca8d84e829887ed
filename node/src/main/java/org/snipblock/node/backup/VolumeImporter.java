package org.snipblock.node.backup;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.snipblock.block.BlockDevice;
import org.snipblock.store.SnapshotInfo;
import org.snipblock.store.SnapshotManager;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;
import org.snipblock.store.VolumeInfo;
import org.snipblock.store.VolumeManager;
import org.snipblock.store.VolumeSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a backup stream to a volume, then snapshots it under the exported snapshot's name with
 * the exported snapshot's id as origin. Everything that can be checked from the header is checked
 * before anything is written; an extent is written only once its checksum has verified, and a
 * stream failing part-way is undone (the volume it created deleted, an incremental one rolled back
 * to its base), so the volume is never left half restored.
 */
public final class VolumeImporter {
  private static final Logger log = LoggerFactory.getLogger(VolumeImporter.class);
  /** Writes kept in flight while the stream is read on. */
  private static final int IN_FLIGHT = 4;

  private final VolumeManager volumes;
  private final ImportBase snapshots;

  public VolumeImporter(VolumeManager volumes, SnapshotManager snapshots) {
    this(volumes, ImportBase.of(snapshots));
  }

  /** @param volumes where the volume is created and written (a cluster's: through the node's door) */
  public VolumeImporter(VolumeManager volumes, ImportBase snapshots) {
    this.volumes = volumes;
    this.snapshots = snapshots;
  }

  /** What an import did. */
  public record Result(String volume, String snapshot, boolean incremental, long extents, long dataBytes) {}

  public Result run(String volume, InputStream stream) throws IOException {
    StreamReader reader = new StreamReader(stream);
    StreamHeader h = reader.header();
    Runnable undo = h.incremental() ? checkIncremental(volume, h) : prepareFull(volume, h);
    boolean done = false;
    try (BlockDevice device = volumes.open(volume).orElseThrow(() -> new VolumeAdminException(Reason.NOT_FOUND,
        "volume " + volume + " went away during the import"))) {
      apply(reader, device);
      device.flush().join();
      snapshots.snapshotImported(volume, h.snapshot(), h.snapshotId());
      done = true;
    } finally {
      if (!done) {
        undo(volume, undo);
      }
    }
    log.info("imported {} stream of {}@{} into {}: {} extents, {} data bytes", h.incremental() ? "an incremental"
        : "a full", h.volume(), h.snapshot(), volume, reader.extents(), reader.dataBytes());
    return new Result(volume, h.snapshot(), h.incremental(), reader.extents(), reader.dataBytes());
  }

  private static void undo(String volume, Runnable undo) {
    try {
      undo.run();
    } catch (RuntimeException e) {
      log.error("undoing the failed import into {} failed too", volume, e);
    }
  }

  /** Creates the volume, or checks that the existing one is unwritten; returns how to undo. */
  private Runnable prepareFull(String volume, StreamHeader h) {
    Optional<VolumeInfo> existing = volumes.show(volume);
    if (existing.isEmpty()) {
      volumes.create(new VolumeSpec(volume, h.volumeSize(), 0, h.blockSize(), false));
      return () -> volumes.delete(volume);
    }
    VolumeInfo v = existing.get();
    checkGeometry(v, h);
    if (v.usedBytes() != 0 || !snapshots.snapshots(volume).isEmpty() || v.parent() != null) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "volume " + volume + " has been written: a full "
          + "stream goes into a new or unwritten volume");
    }
    return () -> volumes.open(volume).ifPresent(d -> {
      try (d) {
        d.trim(0, d.size(), true).join();
      }
    });
  }

  private Runnable checkIncremental(String volume, StreamHeader h) {
    VolumeInfo v = volumes.show(volume).orElseThrow(() -> new VolumeAdminException(Reason.NOT_FOUND,
        "no volume " + volume + ": import the full stream of " + h.volume() + "@" + h.baseSnapshot() + " first"));
    checkGeometry(v, h);
    SnapshotInfo base = null;
    for (SnapshotInfo s : snapshots.snapshots(volume)) {
      if (s.name().equals(h.snapshot())) {
        throw new VolumeAdminException(Reason.ALREADY_EXISTS, "volume " + volume + " already has a snapshot named "
            + h.snapshot());
      }
      if (VolumeExporter.lineage(s) == h.baseId()) {
        base = s;
      }
    }
    if (base == null) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "wrong base: volume " + volume + " has no snapshot "
          + "made from " + h.volume() + "@" + h.baseSnapshot() + " (id " + Long.toHexString(h.baseId())
          + "), which this incremental stream starts from");
    }
    String name = base.name();
    if (snapshots.changedSince(volume, name)) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "volume " + volume + " has changed since snapshot "
          + name + ", the stream's base; roll it back to " + name + " first");
    }
    return () -> snapshots.rollback(volume, name);
  }

  private static void checkGeometry(VolumeInfo v, StreamHeader h) {
    if (v.provisionedBytes() != h.volumeSize() || v.blockSize() != h.blockSize()) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "volume " + v.name() + " is " + v.provisionedBytes()
          + " bytes in blocks of " + v.blockSize() + ", the stream's volume " + h.volumeSize() + " in blocks of "
          + h.blockSize());
    }
  }

  private static void apply(StreamReader reader, BlockDevice device) throws IOException {
    ArrayDeque<CompletableFuture<Void>> inFlight = new ArrayDeque<>();
    try {
      for (StreamReader.Extent e; (e = reader.next()) != null; ) {
        if (inFlight.size() >= IN_FLIGHT) {
          inFlight.poll().join();
        }
        inFlight.add(e.zero()
            ? device.writeZeroes(e.offset(), e.length(), true, false)
            : device.write(e.offset(), ByteBuffer.wrap(e.data()), false));
      }
      while (!inFlight.isEmpty()) {
        inFlight.poll().join();
      }
    } finally {
      // The undo must not race writes still running.
      inFlight.forEach(f -> f.exceptionally(x -> null).join());
    }
  }
}
