package org.snipblock.node.backup;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.LongConsumer;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.BlockDeviceCatalog;
import org.snipblock.block.Extent;
import org.snipblock.store.SnapshotInfo;
import org.snipblock.store.SnapshotManager;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;

/**
 * Writes a snapshot as a backup stream: a full stream holds every range of the snapshot that is not
 * zeroes (an import starts from an unwritten volume), an incremental one every range changed since
 * an older snapshot, zeroes included (they overwrite what the base had). Only snapshots are
 * exported, so the stream is one point in time however long it takes.
 */
public final class VolumeExporter {
  /** Ranges are walked in windows this long, to bound the allocation lists held at once. */
  private static final long WINDOW = 256L << 20;

  private final BlockDeviceCatalog catalog;
  private final SnapshotManager snapshots;

  public VolumeExporter(BlockDeviceCatalog catalog, SnapshotManager snapshots) {
    this.catalog = catalog;
    this.snapshots = snapshots;
  }

  /** Checks the request and plans the stream; refusals surface here, before any byte is written. */
  public Export prepare(String volume, String snapshot, String since) {
    SnapshotInfo target = find(volume, snapshot);
    SnapshotInfo base = since == null ? null : find(volume, since);
    BlockDevice device = catalog.open(volume + "@" + snapshot).orElseThrow(() -> new VolumeAdminException(
        Reason.NOT_FOUND, "volume " + volume + " has no snapshot named " + snapshot));
    try {
      List<long[]> ranges = base == null
          ? List.of(new long[] {0, device.size()})
          : snapshots.diff(volume, since, snapshot);
      StreamHeader header = new StreamHeader(device.size(), device.blockSize(), volume, snapshot, lineage(target),
          base == null ? "" : since, base == null ? 0 : lineage(base));
      return new Export(device, header, ranges);
    } catch (RuntimeException e) {
      device.close();
      throw e;
    }
  }

  /**
   * The id a snapshot's content goes by across imports and nodes: its origin where it has one (the
   * original's id for a snapshot an import made; the cluster-wide id every copy of a clustered
   * volume's snapshot records), its own id otherwise. So a copy can send its changes back to the
   * original, or on to a copy of the copy, and an incremental stream from a new primary applies onto
   * a full one from the old: each finds its base.
   */
  static long lineage(SnapshotInfo s) {
    return s.origin() != 0 ? s.origin() : s.id();
  }

  private SnapshotInfo find(String volume, String name) {
    return snapshots.snapshots(volume).stream().filter(s -> s.name().equals(name)).findFirst()
        .orElseThrow(() -> new VolumeAdminException(Reason.NOT_FOUND,
            "volume " + volume + " has no snapshot named " + name));
  }

  /** A planned stream; {@link #writeTo} once, then {@link #close}. */
  public static final class Export implements AutoCloseable {
    private final BlockDevice device;
    private final StreamHeader header;
    private final List<long[]> ranges;
    private final long totalBytes;

    Export(BlockDevice device, StreamHeader header, List<long[]> ranges) {
      this.device = device;
      this.header = header;
      this.ranges = ranges;
      this.totalBytes = ranges.stream().mapToLong(r -> r[1]).sum();
    }

    public StreamHeader header() {
      return header;
    }

    /** Bytes of the volume the stream goes through (its ranges), for progress. */
    public long totalBytes() {
      return totalBytes;
    }

    /** @param covered called with the bytes of the ranges gone through so far */
    public void writeTo(OutputStream out, LongConsumer covered) throws IOException {
      StreamWriter w = new StreamWriter(out, header);
      byte[] buf = new byte[StreamFormat.MAX_EXTENT];
      long done = 0;
      for (long[] range : ranges) {
        for (long pos = range[0], end = range[0] + range[1]; pos < end; ) {
          long n = Math.min(WINDOW, end - pos);
          for (Extent e : device.allocation(pos, n).join()) {
            if (e.zero()) {
              zero(w, e.offset(), e.length());
            } else {
              data(w, e, buf);
            }
          }
          pos += n;
          done += n;
          covered.accept(done);
        }
      }
      w.finish();
    }

    private void zero(StreamWriter w, long offset, long length) throws IOException {
      if (header.incremental()) {
        w.zero(offset, length);
      }
    }

    private void data(StreamWriter w, Extent e, byte[] buf) throws IOException {
      for (long pos = e.offset(); pos < e.end(); ) {
        int n = (int) Math.min(buf.length, e.end() - pos);
        device.read(pos, ByteBuffer.wrap(buf, 0, n)).join();
        if (allZero(buf, n)) {
          zero(w, pos, n);
        } else {
          w.data(pos, buf, n);
        }
        pos += n;
      }
    }

    private static boolean allZero(byte[] b, int n) {
      for (int i = 0; i < n; i++) {
        if (b[i] != 0) {
          return false;
        }
      }
      return true;
    }

    @Override
    public void close() {
      device.close();
    }
  }
}
