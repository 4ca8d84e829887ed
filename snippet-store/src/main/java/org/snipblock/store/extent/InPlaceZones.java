package org.snipblock.store.extent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Which zones (8 MiB runs of slots) of one extent file may hold a chunk rewritten in its own slot
 * that the store cannot vouch for yet. An overwrite in place is written before its journal record,
 * and a crash can keep the data without the record (or tear it, sector by sector): the chunk's
 * CRC32C in the map then no longer matches what the slot holds, although what it holds is exactly
 * what a disk may show after losing an unflushed write (old sectors, new ones, or both). So the
 * zone is marked open durably (its bit in the {@code .zon} file, synced) before the first such
 * write into it, and reopening the store takes what an open zone's rewritten slots hold as their
 * chunks' content (see {@code StoreLoader}). A checkpoint closes every zone that no in-place write
 * touched since it began: their data and map entries are durable by then. This is the bitmap mode
 * of Linux's dm-integrity, with the same price: damage in an open zone at a crash goes unnoticed.
 */
public final class InPlaceZones {
  /** Slots a zone covers: reopening after a crash reads at most this much per open zone. */
  public static final int ZONE_SLOTS = 2048;
  /** Bitmap bytes written at once (the page holding the bit that changed). */
  private static final int PAGE = 4096;

  private static final class Zone {
    final AtomicInteger writing = new AtomicInteger();
    /** Only grows: a failed overwrite's MAX_VALUE stays, whatever later overwrites see. */
    final AtomicLong lastGeneration = new AtomicLong();
    /** Mirrors the zone's bit once set, so writes into an open zone take no lock. */
    volatile boolean open;
  }

  private final ExtentIo.Channel channel;
  /** Guarded by this; what the file says, or will say once synced. */
  private final BitSet open;
  private final ConcurrentHashMap<Integer, Zone> active = new ConcurrentHashMap<>();
  private final AtomicLong generation = new AtomicLong();
  /** Zones that were idle when the running checkpoint began, and that checkpoint's generation. */
  private List<Integer> closing = List.of();
  private long closingGeneration;

  private InPlaceZones(ExtentIo.Channel channel, BitSet open) {
    this.channel = channel;
    this.open = open;
  }

  /** Reads which zones the file marks open. */
  static InPlaceZones load(ExtentIo.Channel channel) throws IOException {
    long size = channel.size();
    if (size > Integer.MAX_VALUE) {
      throw new IOException("in-place zone map of " + size + " bytes");
    }
    ByteBuffer all = ByteBuffer.allocate((int) size);
    channel.read(all, 0);
    return new InPlaceZones(channel, BitSet.valueOf(all.flip()));
  }

  static int zoneOf(int slot) {
    return slot / ZONE_SLOTS;
  }

  /** True if the zone of {@code slot} may hold a rewritten chunk the map does not describe. */
  public synchronized boolean isOpen(int slot) {
    return open.get(zoneOf(slot));
  }

  public synchronized boolean anyOpen() {
    return !open.isEmpty();
  }

  /**
   * Before rewriting {@code slot} in place: counts the write as running and makes sure its zone is
   * open on disk. Every call is matched by one {@link #end}.
   */
  public void begin(int slot) throws IOException {
    int z = zoneOf(slot);
    Zone zone = active.computeIfAbsent(z, k -> new Zone());
    // Counted before the generation is read: a checkpoint that does not see the count has moved
    // the generation on already, so the zone is not closed under this write (see closeIdle).
    zone.writing.incrementAndGet();
    zone.lastGeneration.accumulateAndGet(generation.get(), Math::max);
    if (zone.open) {
      // A checkpoint closing the zone either saw this write counted or cleared the flag first.
      return;
    }
    try {
      synchronized (this) {
        if (!open.get(z)) {
          open.set(z);
          writePage(z);
          channel.sync();
        }
        zone.open = true;
      }
    } catch (IOException e) {
      zone.writing.decrementAndGet();
      throw e;
    }
  }

  /**
   * The write of {@code slot} is applied to the map, or given up. A write that failed half way may
   * have left new data under the old checksum: its zone then stays open until the store reopens.
   */
  public void end(int slot, boolean applied) {
    Zone zone = active.get(zoneOf(slot));
    if (!applied) {
      zone.lastGeneration.set(Long.MAX_VALUE);
    }
    zone.writing.decrementAndGet();
  }

  /** A checkpoint begins: notes the open zones no write is touching now. */
  public synchronized void checkpointBegins() {
    long g = generation.incrementAndGet();
    List<Integer> idle = new ArrayList<>();
    for (int z = open.nextSetBit(0); z >= 0; z = open.nextSetBit(z + 1)) {
      if (idle(active.get(z), g)) {
        idle.add(z);
      }
    }
    closing = idle;
    closingGeneration = g;
  }

  /**
   * The checkpoint that began last has made every extent write and map entry before it durable:
   * zones idle since then close. Written without a sync: a close that is lost only makes the next
   * open check a zone that needed no check.
   */
  public synchronized void checkpointEnded() throws IOException {
    BitSet pages = new BitSet();
    for (int z : closing) {
      Zone zone = active.get(z);
      if (zone != null) {
        // Cleared before the count is read (a writer counts itself before it reads the flag): either
        // this sees the writer, or the writer sees the flag down and waits here for the lock.
        zone.open = false;
      }
      if (idle(zone, closingGeneration)) {
        // Its counter stays: a write may take it at once (and reopen the zone).
        open.clear(z);
        pages.set(z / (PAGE * 8));
      } else if (zone != null) {
        zone.open = true;
      }
    }
    closing = List.of();
    for (int p = pages.nextSetBit(0); p >= 0; p = pages.nextSetBit(p + 1)) {
      writePage(p * PAGE * 8);
    }
  }

  private static boolean idle(Zone zone, long generation) {
    return zone == null || (zone.writing.get() == 0 && zone.lastGeneration.get() < generation);
  }

  /** Every rewritten slot is accounted for (the store has just checked them all): all zones close. */
  public synchronized void closeAll() throws IOException {
    if (open.isEmpty()) {
      return;
    }
    open.clear();
    active.clear();
    channel.truncate(0);
    channel.sync();
  }

  /** Writes the bitmap page holding zone {@code z}'s bit. */
  private void writePage(int z) throws IOException {
    int page = z / (PAGE * 8);
    BitSet bits = open.get(page * PAGE * 8, (page + 1) * PAGE * 8);
    byte[] bytes = bits.toByteArray();
    ByteBuffer b = ByteBuffer.allocate(PAGE);
    b.put(bytes).clear();
    channel.write(b, (long) page * PAGE);
  }

  void close() throws IOException {
    channel.close();
  }
}
