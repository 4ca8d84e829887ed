package org.snipblock.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Damages chunk data in a closed store's extent files behind its back, as a failing disk would:
 * finds a chunk's slot through the store's map in RocksDB and changes the file there.
 */
final class ExtentDamage {
  private ExtentDamage() {}

  /** Flips one bit in the stored data of chunk {@code chunk} of layer {@code layer}. */
  static void flipBit(Path dataDir, long layer, long chunk) throws Exception {
    ChunkEntry e = entry(dataDir, layer, chunk);
    try (FileChannel ch = FileChannel.open(file(dataDir, e), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      long at = (long) e.slot() * BlockCodec.CHUNK + 100;
      ByteBuffer b = ByteBuffer.allocate(1);
      ch.read(b, at);
      b.put(0, (byte) (b.get(0) ^ 0x10)).rewind();
      ch.write(b, at);
    }
  }

  /** Overwrites the data of chunk {@code to} with that of chunk {@code from}: a misplaced write. */
  static void copyChunk(Path dataDir, long layer, long from, long to) throws Exception {
    ChunkEntry src = entry(dataDir, layer, from);
    ChunkEntry dst = entry(dataDir, layer, to);
    try (FileChannel ch = FileChannel.open(file(dataDir, dst), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.allocate(BlockCodec.CHUNK);
      ch.read(b, (long) src.slot() * BlockCodec.CHUNK);
      ch.write(b.flip(), (long) dst.slot() * BlockCodec.CHUNK);
    }
  }

  private static ChunkEntry entry(Path dataDir, long layer, long chunk) throws Exception {
    try (StoreDb db = new StoreDb(dataDir.resolve("db"), 1 << 20)) {
      byte[] v = db.get(org.snipblock.store.journal.JournalBatch.Space.ALLOCATION, StoreDb.key(layer, chunk));
      if (v == null) {
        throw new IllegalStateException("no chunk " + chunk + " in layer " + layer);
      }
      ChunkEntry e = ChunkEntry.decode(v);
      if (!e.inExtent()) {
        throw new IllegalStateException("chunk " + chunk + " of layer " + layer + " is not in an extent file");
      }
      return e;
    }
  }

  private static Path file(Path dataDir, ChunkEntry e) throws IOException {
    return dataDir.resolve("extents").resolve(String.format("%016x.ext", e.file()));
  }
}
