package org.snipblock.cluster.testing;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.snipblock.block.BlockDevice;
import org.snipblock.store.VolumeManager;

/** Disk images for replication tests: random content, written in pieces, compared by CRC32C. */
public final class Images {
  public static final int PIECE = 16384;

  private Images() {}

  public static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** Writes {@code image[from, to)} in pieces, all in flight at once, then flushes. */
  public static void write(BlockDevice d, byte[] image, int from, int to) throws Exception {
    List<CompletableFuture<Void>> writes = new ArrayList<>();
    for (int off = from; off < to; off += PIECE) {
      writes.add(d.write(off, ByteBuffer.wrap(image, off, Math.min(PIECE, to - off)), false));
    }
    CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    d.flush().get(30, TimeUnit.SECONDS);
  }

  public static byte[] read(BlockDevice d, long offset, int length) throws Exception {
    ByteBuffer b = ByteBuffer.allocate(length);
    d.read(offset, b).get(30, TimeUnit.SECONDS);
    return b.array();
  }

  public static long crc(byte[] b) {
    CRC32C crc = new CRC32C();
    crc.update(b);
    return crc.getValue();
  }

  /** CRC32C of one node's own copy of a volume, read straight from its local store. */
  public static long crcOfCopy(VolumeManager store, String volume, int size) throws Exception {
    try (BlockDevice d = store.open(volume).orElseThrow()) {
      return crc(read(d, 0, size));
    }
  }
}
