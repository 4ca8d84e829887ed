package org.snipblock.store.extent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The data of one volume: 4 KiB slots in one sparse file, each holding one chunk version. A slot
 * given up is never handed out again while a map entry or a replayable journal record may still
 * name it ({@link ExtentFiles} frees it only after a checkpoint), so a torn write into a fresh slot
 * can only ever hit a slot nothing refers to yet. The one other write into a slot is the live
 * layer's overwrite of its own chunk in place, which {@link InPlaceZones} accounts for.
 */
public final class ExtentFile {
  public static final int SLOT = 4096;

  private final long owner;
  private final ExtentIo.Channel channel;
  private final InPlaceZones zones;
  /**
   * Set after each write; cleared by a sync just before it forces the file. Set at first: a
   * process that crashed may have left writes in the page cache that it never forced, and this one
   * reads them (replay, in-place recovery) as if they were on disk, so its first sync must force them.
   */
  private final AtomicBoolean dirty = new AtomicBoolean(true);
  /** Set after each write into fresh slots (not an overwrite in place), and at first; cleared with {@link #dirty}. */
  private final AtomicBoolean freshDirty = new AtomicBoolean(true);
  private final Object syncTurn = new Object();
  /** Slots below {@link #end} that are free to reuse. */
  private final BitSet free = new BitSet();
  /**
   * Slots a map entry took since the last journal roll, and before it: a journal record that may
   * still be replayed (and checked against the slot's data) names them, so they must not be
   * rewritten in place until the checkpoint after the next roll has deleted that record.
   */
  private BitSet young = new BitSet();
  private BitSet sealedYoung = new BitSet();
  /** One past the highest slot ever handed out. */
  private int end;
  /** Most slots a first write far beyond the end leaves free before its home (1 GiB of holes). */
  private static final long MAX_SKIP = 1 << 18;
  private volatile boolean closed;

  ExtentFile(long owner, ExtentIo.Channel channel, InPlaceZones zones) {
    this.owner = owner;
    this.channel = channel;
    this.zones = zones;
  }

  /** Where chunks may have been rewritten in place without a durable record yet. */
  public InPlaceZones zones() {
    return zones;
  }

  public long owner() {
    return owner;
  }

  /**
   * A slot for a new version of chunk {@code home}: that slot itself if it is free (so a volume
   * written in any order lies in the file in chunk order, and an overwritten chunk moves back
   * home once its old slot is free again), else {@code next} if it is free (the slot after the
   * previous chunk of the same request: a sequential overwrite stays one run, written with one
   * call, instead of scattering over whatever is free after each home), else the next free slot
   * after home, else the first free slot, else a new one at the end. Slots skipped over at the
   * end stay free (and take no space).
   *
   * @param next the slot that would continue the caller's run, or -1
   */
  public synchronized int allocate(long home, int next) {
    int s;
    if (home < end && !free.get((int) home) && next >= 0 && (next == end || free.get(next))) {
      s = next == end ? end++ : next;
    } else if (home < end) {
      s = free.nextSetBit((int) home);
      if (s < 0) {
        s = free.nextSetBit(0);
      }
      if (s < 0) {
        s = end++;
      }
    } else if (home < Integer.MAX_VALUE - 1 && home - end <= MAX_SKIP) {
      free.set(end, (int) home);
      s = (int) home;
      end = s + 1;
    } else {
      s = end++;
    }
    free.clear(s);
    return s;
  }

  /** A map entry now names {@code slot}, through a record written to the journal just now. */
  public synchronized void taken(int slot) {
    young.set(slot);
  }

  /**
   * Whether {@code slot} may be rewritten in place: no replayable journal record that put it into
   * a map entry remains, so replay can never check an old version's checksum against it.
   */
  public synchronized boolean settled(int slot) {
    return !young.get(slot) && !sealedYoung.get(slot);
  }

  /** The journal rolled: what was taken so far is named only in older segments. */
  synchronized void sealTaken() {
    sealedYoung.or(young);
    young = new BitSet();
  }

  /** The segments before the last roll are deleted: what was taken before it is settled. */
  synchronized void settleSealed() {
    sealedYoung = new BitSet();
  }

  /** Slots that may be handed out again (their release is past a checkpoint). */
  synchronized void free(int slot) {
    if (slot == end - 1) {
      end--;
      while (end > 0 && free.get(end - 1)) {
        free.clear(--end);
      }
    } else if (slot < end) {
      free.set(slot);
    }
  }

  /** Sets which slots hold versions something refers to; every other slot is free. */
  synchronized void adopt(BitSet used) {
    end = used.length();
    free.clear();
    free.set(0, end);
    free.andNot(used);
  }

  /** Writes whole slots starting at {@code slot} (the buffer holds a multiple of 4 KiB). */
  public void write(int slot, ByteBuffer src) throws IOException {
    write(slot, src, true);
  }

  /**
   * As {@link #write(int, ByteBuffer)}; {@code fresh} false: every slot written is a chunk's own,
   * rewritten in place in an open zone (see {@link #syncFresh}).
   */
  public void write(int slot, ByteBuffer src, boolean fresh) throws IOException {
    channel.write(src, (long) slot * SLOT);
    if (fresh) {
      freshDirty.set(true);
    }
    dirty.set(true);
  }

  /** Reads whole slots starting at {@code slot} into {@code dst}'s remaining bytes. */
  public void read(int slot, ByteBuffer dst) throws IOException {
    channel.read(dst, (long) slot * SLOT);
  }

  /**
   * Makes every write that completed before the call durable. Syncs take turns: a caller that
   * finds the flag cleared by a sync still running must not return before that sync is done.
   */
  void sync() throws IOException {
    synchronized (syncTurn) {
      if (dirty.getAndSet(false) && !closed) {
        boolean fresh = freshDirty.getAndSet(false);
        try {
          channel.sync();
        } catch (IOException e) {
          dirty.set(true);
          freshDirty.compareAndSet(false, fresh);
          throw e;
        }
      }
    }
  }

  /**
   * Makes durable every write into fresh slots that completed before the call (and, with it,
   * everything else written so far), or does nothing if there was none since the last sync. What
   * must precede a RocksDB flush: an entry naming a fresh slot must never be durable before its
   * data (replay and the next open would take stale bytes for it), while an entry of an overwrite in
   * place lies in a zone that is open on disk, whose slots the next open checks and takes as found.
   * A stream of overwrites in place then no longer waits for the disk at every memtable flush.
   */
  void syncFresh() throws IOException {
    synchronized (syncTurn) {
      if (freshDirty.get()) {
        sync();
      }
    }
  }

  void punch(int first, int count) throws IOException {
    channel.punch((long) first * SLOT, (long) count * SLOT);
  }

  /** Cuts the file after the last slot in use. */
  void trimTail() throws IOException {
    long keep;
    synchronized (this) {
      keep = (long) end * SLOT;
    }
    if (channel.size() > keep) {
      channel.truncate(keep);
    }
  }

  synchronized BitSet freeSlots() {
    return (BitSet) free.clone();
  }

  synchronized int end() {
    return end;
  }

  void close() throws IOException {
    closed = true;
    try {
      channel.close();
    } finally {
      zones.close();
    }
  }
}
