package org.snipblock.cluster.replica;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.Extent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** CRC32C of a copy's range, chunk by chunk, as the primary and the replicas compare them. */
final class ChunkDigests {
  private static final Logger log = LoggerFactory.getLogger(ChunkDigests.class);
  /** Marks a chunk whose stored data could not be read (it failed its own checksum): it needs repair. */
  static final long UNREADABLE = -1;

  private ChunkDigests() {}

  /** One digest per {@code chunk} bytes of {@code [offset, offset+length)}; {@link #UNREADABLE} where reading failed. */
  static CompletableFuture<List<Long>> of(BlockDevice copy, long offset, long length, int chunk) {
    List<CompletableFuture<Long>> crcs = new ArrayList<>();
    for (long off = offset; off < offset + length; off += chunk) {
      ByteBuffer b = ByteBuffer.allocate((int) Math.min(chunk, offset + length - off));
      long at = off;
      crcs.add(copy.read(off, b).handle((v, e) -> {
        if (e != null) {
          log.warn("volume {} at {}: copy unreadable ({}), reported for repair", copy.name(), at, e.toString());
          return UNREADABLE;
        }
        return Checksums.crc32c(b.flip());
      }));
    }
    return CompletableFuture.allOf(crcs.toArray(CompletableFuture[]::new))
        .thenApply(v -> crcs.stream().map(CompletableFuture::join).toList());
  }

  /**
   * The bytes of {@code [offset, offset+length)} that hold data on {@code copy}: what computing its
   * digests reads from disk, and so what a comparison charges the background budget. Holes and
   * zeroed ranges read as zeroes without touching the disk; charging them would hold the resync of
   * a big sparse volume at the budget's rate for data that is not there.
   */
  static CompletableFuture<Long> dataBytes(BlockDevice copy, long offset, long length) {
    return copy.allocation(offset, length).thenApply(extents -> extents.stream()
        .filter(e -> !e.hole() && !e.zero()).mapToLong(Extent::length).sum());
  }
}
