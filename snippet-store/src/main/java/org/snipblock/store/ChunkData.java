package org.snipblock.store;

import java.nio.ByteBuffer;
import java.util.List;
import org.snipblock.store.extent.ExtentFile;
import org.snipblock.store.extent.ExtentFiles;
import org.snipblock.store.journal.JournalBatch;
import org.snipblock.store.journal.JournalBatch.Space;

/**
 * Reads and writes chunk versions where they are kept: in the owning volume's extent file (one
 * 4 KiB slot each, CRC32C in the map entry), or, for compressed volumes and data written before
 * extents existed, LZ4/raw in RocksDB's BLOCKS. New data is written before the batch naming it is
 * built: over the chunk's own slot when the live layer already keeps it in one (an overwrite in
 * place, its zone opened first, see {@link org.snipblock.store.extent.InPlaceZones}), else into a
 * fresh slot, never over a slot anything else uses (see {@link ExtentFiles} for when a slot is
 * reused). Writing over a fresh slot every time made each overwrite leave a slot behind that only
 * a checkpoint (which waits for the disk) could free: a stream of overwrites ran at disk speed.
 */
final class ChunkData {
  static final int CHUNK = BlockCodec.CHUNK;
  /** Fifth element of a change record {chunk, state, slot, crc, IN_PLACE}: the slot was rewritten. */
  static final long IN_PLACE = 1;

  private final StoreDb db;
  private final ExtentFiles extents;

  ChunkData(StoreDb db, ExtentFiles extents) {
    this.db = db;
    this.extents = extents;
  }

  ExtentFiles extents() {
    return extents;
  }

  /**
   * Reads the version layer {@code l} holds of chunk {@code c} (data, state above ZERO) into
   * {@code out} at {@code at}, verified. False if that version is gone (moved away by a merge or
   * trimmed since the caller looked it up).
   */
  boolean read(Layer l, long c, ByteBuffer out, int at) throws Exception {
    long loc = l.map.location(c);
    if (loc != AllocationMap.NO_LOCATION) {
      int slot = AllocationMap.slotOf(loc);
      extents.file(l.owner).read(slot, out.slice(at, CHUNK));
      if (BlockCodec.extentCrc(l.owner, slot, out, at) != AllocationMap.crcOf(loc)) {
        if (l.map.location(c) != loc) {
          return false;
        }
        throw new BlockCodec.CorruptBlockException("CRC32C mismatch in extent slot " + slot);
      }
      return true;
    }
    byte[] v = db.get(Space.BLOCKS, StoreDb.key(l.id, c));
    if (v == null) {
      return false;
    }
    BlockCodec.decode(l.id, c, v, out, at);
    return true;
  }

  /** Reads {@code n} slots of one file starting at {@code slot} into {@code out} at {@code at}, unverified. */
  void readSlots(long owner, int slot, int n, ByteBuffer out, int at) throws java.io.IOException {
    extents.file(owner).read(slot, out.slice(at, n * CHUNK));
  }

  /**
   * Stores new versions of chunks {@code first..first+count-1} of layer {@code to}, taken from
   * {@code data} at {@code off}: chunks of zeroes as allocated zeroes, others LZ4/raw in RocksDB
   * when {@code compress}, else in the owner's extent file, written here (adjacent slots in one
   * write): with {@code inPlace}, a chunk {@code to} keeps in a slot of its own is rewritten there,
   * any other goes to a fresh slot. Adds the batch operations and one change record per chunk:
   * {chunk, state}, {chunk, state, slot, crc} or {chunk, state, slot, crc, IN_PLACE}.
   *
   * @param inPlace true only for the live layer (no other layer, clone or snapshot reads its slots)
   */
  void store(Layer to, long first, byte[] data, int off, int count, boolean compress, boolean inPlace,
      JournalBatch batch, List<long[]> changes) throws Exception {
    store(to, first, ByteBuffer.wrap(data), off, count, compress, inPlace, batch, changes);
  }

  /**
   * As above, from index {@code off} of {@code data} (its position and limit untouched): a
   * request's own buffer (direct, as the door received it) goes to the extent file without a copy.
   */
  void store(Layer to, long first, ByteBuffer data, int off, int count, boolean compress, boolean inPlace,
      JournalBatch batch, List<long[]> changes) throws Exception {
    ExtentFile file = null;
    int runSlot = -1;
    int runOff = 0;
    int runLen = 0;
    boolean runFresh = false;
    for (int i = 0; i < count; i++) {
      long c = first + i;
      int at = off + i * CHUNK;
      byte[] key = StoreDb.key(to.id, c);
      boolean hadRocksData = to.map.state(c) >= AllocationMap.ZERO
          && to.map.location(c) == AllocationMap.NO_LOCATION;
      if (BlockCodec.isZero(data, at)) {
        if (compress) {
          batch.put(Space.BLOCKS, key, BlockCodec.zeroes(to.id, c));
        } else if (hadRocksData) {
          batch.delete(Space.BLOCKS, key);
        }
        batch.put(Space.ALLOCATION, key, ChunkEntry.encodeState(AllocationMap.ZERO));
        changes.add(new long[] {c, AllocationMap.ZERO});
        continue;
      }
      if (compress) {
        byte[] value = data.hasArray()
            ? BlockCodec.encode(to.id, c, data.array(), data.arrayOffset() + at, true)
            : BlockCodec.encode(to.id, c, chunkAt(data, at), 0, true);
        batch.put(Space.BLOCKS, key, value);
        batch.put(Space.ALLOCATION, key, ChunkEntry.encodeState(value.length));
        changes.add(new long[] {c, value.length});
        continue;
      }
      if (file == null) {
        file = extents.file(to.owner);
      }
      long loc = inPlace ? to.map.location(c) : AllocationMap.NO_LOCATION;
      if (loc != AllocationMap.NO_LOCATION && !file.settled(AllocationMap.slotOf(loc))) {
        // Taken so recently that replay may still check the record that named it: not yet.
        loc = AllocationMap.NO_LOCATION;
      }
      int slot;
      if (loc != AllocationMap.NO_LOCATION) {
        slot = AllocationMap.slotOf(loc);
        file.zones().begin(slot);
      } else {
        slot = file.allocate(c, runLen > 0 ? runSlot + runLen : -1);
      }
      // Recorded before the write: if the write fails, the caller gives up every change named here.
      int crc = BlockCodec.extentCrc(to.owner, slot, data, at);
      changes.add(loc != AllocationMap.NO_LOCATION
          ? new long[] {c, CHUNK, slot, crc, IN_PLACE}
          : new long[] {c, CHUNK, slot, crc});
      if (hadRocksData) {
        batch.delete(Space.BLOCKS, key);
      }
      boolean fresh = loc == AllocationMap.NO_LOCATION;
      batch.put(Space.ALLOCATION, key, new ChunkEntry(CHUNK, to.owner, slot, crc).encode(!fresh));
      if (runLen > 0 && slot == runSlot + runLen && at == runOff + runLen * CHUNK) {
        runLen++;
        runFresh |= fresh;
      } else {
        writeRun(file, runSlot, data, runOff, runLen, runFresh);
        runSlot = slot;
        runOff = at;
        runLen = 1;
        runFresh = fresh;
      }
    }
    writeRun(file, runSlot, data, runOff, runLen, runFresh);
  }

  private static void writeRun(ExtentFile file, int slot, ByteBuffer data, int off, int n, boolean fresh)
      throws java.io.IOException {
    if (n > 0) {
      file.write(slot, data.slice(off, n * CHUNK), fresh);
    }
  }

  private static byte[] chunkAt(ByteBuffer data, int at) {
    byte[] chunk = new byte[CHUNK];
    data.get(at, chunk);
    return chunk;
  }

  /** Allocated zeroes for chunk {@code c} of {@code to} (write-zeroes without unmap). */
  void storeZeroes(Layer to, long c, boolean compress, JournalBatch batch, List<long[]> changes) {
    byte[] key = StoreDb.key(to.id, c);
    if (compress) {
      batch.put(Space.BLOCKS, key, BlockCodec.zeroes(to.id, c));
    } else if (to.map.state(c) >= AllocationMap.ZERO && to.map.location(c) == AllocationMap.NO_LOCATION) {
      batch.delete(Space.BLOCKS, key);
    }
    batch.put(Space.ALLOCATION, key, ChunkEntry.encodeState(AllocationMap.ZERO));
    changes.add(new long[] {c, AllocationMap.ZERO});
  }

  /**
   * Gives up the fresh slots new change records name: their batch never reached the journal. A
   * slot rewritten in place stays the chunk's (its zone stays open until the store reopens).
   */
  void abandon(long owner, List<long[]> changes) {
    for (long[] ch : changes) {
      if (ch.length == 4) {
        extents.release(owner, (int) ch[2]);
      } else if (ch.length == 5) {
        extents.file(owner).zones().end((int) ch[2], false);
      }
    }
  }

  /** Applies change records to a layer's map, giving up the slots they replace. */
  void apply(Layer l, List<long[]> changes) {
    ExtentFile f = null;
    for (long[] ch : changes) {
      int old;
      if (ch.length == 3) {
        l.map.clear(ch[0], ch[1], slot -> extents.release(l.owner, slot));
        continue;
      } else if (ch.length >= 4) {
        old = l.map.set(ch[0], (int) ch[1], (int) ch[2], (int) ch[3]);
        if (f == null) {
          f = extents.file(l.owner);
        }
        if (ch.length == 5) {
          f.zones().end((int) ch[2], true);
          continue;
        }
        f.taken((int) ch[2]);
      } else {
        old = l.map.set(ch[0], (int) ch[1]);
      }
      if (old >= 0) {
        extents.release(l.owner, old);
      }
    }
  }
}
