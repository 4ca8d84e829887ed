package org.snipblock.store.extent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.snipblock.store.journal.JournalListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every volume's extent file, and the two rules that make them crash-safe with the journal:
 *
 * <ul>
 *   <li>Data before its record: a chunk is written to its slot before the journal record naming
 *       the slot is submitted, and {@link #sync()} (called before every journal fsync, every
 *       checkpoint and every RocksDB flush) forces the files, so no durable record or map entry
 *       names a slot whose data is not durable.
 *   <li>No reuse while a record may be replayed: a slot given up (overwritten chunk, trim, merge,
 *       rollback) or a file given up (volume deleted) is only parked; it joins the next journal
 *       roll's generation, and is reused or punched only once the checkpoint after that roll
 *       deleted every segment that could name it. So replay never meets a slot rewritten since.
 * </ul>
 */
public final class ExtentFiles implements JournalListener, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ExtentFiles.class);
  private static final String SUFFIX = ".ext";
  private static final String ZONES_SUFFIX = ".zon";

  private final ExtentIo io;
  private final Map<Long, ExtentFile> files = new ConcurrentHashMap<>();
  /** Given up since the last roll: slots per owner, and whole files. */
  private Map<Long, BitSet> parkedSlots = new HashMap<>();
  private Set<Long> parkedFiles = new HashSet<>();
  /** Given up before the last roll: freed by the next successful checkpoint. */
  private Map<Long, BitSet> sealedSlots = new HashMap<>();
  private Set<Long> sealedFiles = new HashSet<>();

  /**
   * Shortest run of freed slots a checkpoint punches (1 MiB). Overwrites free single slots all
   * over the file, and the next writes reuse them: punching each one cost a metadata transaction
   * (and a discard) under the inode lock, stalling writers, and turned the reuse into a write into
   * a hole, with block allocation at writeback, where an allocated block is simply overwritten.
   * Long runs (trims, deleted snapshots) are space worth giving back at once; shorter ones are
   * punched when the store next opens.
   */
  static final int MIN_PUNCH_SLOTS = 256;

  /**
   * Most parked space before a checkpoint is due, however much disk is free. Each checkpoint
   * forces every extent file, so a stream of overwrites waits for the disk once per parked limit:
   * at 64 MiB that was several times a second (random 4 KiB writes at depth 32 ran at under half
   * the rate they reach with 1 GiB), while waiting longer costs only disk space that is free anyway.
   */
  static final long MAX_PARKED = 1L << 30;
  /** Share of the free disk space that parked slots may take (1/8), between the floor and the cap. */
  private static final int FREE_SHARE = 8;
  private static final long LIMIT_RECHECK_NANOS = 1_000_000_000L;

  /** Bytes of parked slots after which the journal should roll and checkpoint early, at least. */
  private final long parkedFloor;
  private final LongSupplier freeDisk;
  private long parkedBytes;
  private long parkedLimit;
  private long limitCheckedNanos;

  /**
   * @param parkedFloor bytes of given-up slots after which a checkpoint is due however little
   *     disk is free: overwrites cannot reuse space before one, so a file grows by what is
   *     overwritten in between. With more free disk the limit grows to an eighth of it, up to
   *     {@link #MAX_PARKED}.
   * @param freeDisk the free space of the disk holding the files, in bytes
   */
  public ExtentFiles(ExtentIo io, long parkedFloor, LongSupplier freeDisk) {
    this.io = io;
    this.parkedFloor = parkedFloor;
    this.freeDisk = freeDisk;
    this.parkedLimit = parkedFloor;
  }

  static String nameOf(long owner) {
    return String.format("%016x%s", owner, SUFFIX);
  }

  private static String zonesOf(long owner) {
    return String.format("%016x%s", owner, ZONES_SUFFIX);
  }

  /** The volume id a file named {@code <16 hex digits><suffix>} belongs to, or null for any other name. */
  private static Long ownerOf(String name, String suffix) {
    if (!name.endsWith(suffix) || name.length() != 16 + suffix.length()) {
      return null;
    }
    try {
      return Long.parseUnsignedLong(name.substring(0, 16), 16);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** The extent file of a volume, opened (or created) on first use. */
  public ExtentFile file(long owner) {
    return files.computeIfAbsent(owner, o -> {
      ExtentIo.Channel data = null;
      try {
        data = io.open(nameOf(o));
        return new ExtentFile(o, data, InPlaceZones.load(io.open(zonesOf(o))));
      } catch (IOException e) {
        if (data != null) {
          try {
            data.close();
          } catch (IOException suppressed) {
            e.addSuppressed(suppressed);
          }
        }
        throw new UncheckedIOException("cannot open the extent file of volume " + o, e);
      }
    });
  }

  /** A checkpoint begins: each file notes its zones that no in-place write is touching now. */
  public void checkpointBegins() {
    files.values().forEach(f -> f.zones().checkpointBegins());
  }

  /** The checkpoint made everything before it durable: zones idle since it began close. */
  public void checkpointEnded() throws IOException {
    for (ExtentFile f : files.values()) {
      f.zones().checkpointEnded();
    }
  }

  /** The volumes whose files have zones open for overwrites in place (at open, after a crash). */
  public Set<Long> ownersWithOpenZones() throws IOException {
    Set<Long> owners = new HashSet<>();
    for (String name : io.list()) {
      Long owner = ownerOf(name, ZONES_SUFFIX);
      if (owner == null) {
        continue;
      }
      ExtentFile f = existing(owner);
      if (f != null && f.zones().anyOpen()) {
        owners.add(owner);
      }
    }
    return owners;
  }

  /** Every file's rewritten slots have been checked (at open): no zone needs checking any more. */
  public void closeAllZones() throws IOException {
    sync();
    for (ExtentFile f : files.values()) {
      f.zones().closeAll();
    }
  }

  /** The file if it exists on disk or is open, else null; never creates one. */
  public ExtentFile existing(long owner) throws IOException {
    ExtentFile f = files.get(owner);
    if (f != null || !io.list().contains(nameOf(owner))) {
      return f;
    }
    return file(owner);
  }

  /** Before a journal fsync: what the synced records name must be durable first. */
  @Override
  public void beforeSync() throws IOException {
    sync();
  }

  /** Makes every extent write that completed before the call durable. */
  public void sync() throws IOException {
    for (ExtentFile f : files.values()) {
      f.sync();
    }
  }

  /**
   * Before RocksDB writes a memtable out: every write into a fresh slot that completed before the
   * call is made durable (see {@link ExtentFile#syncFresh}); overwrites in place need not be.
   */
  public void syncFresh() throws IOException {
    for (ExtentFile f : files.values()) {
      f.syncFresh();
    }
  }

  /** Gives up a slot (its chunk version is no longer referred to by the map). */
  public synchronized void release(long owner, int slot) {
    parkedSlots.computeIfAbsent(owner, o -> new BitSet()).set(slot);
    parkedBytes += ExtentFile.SLOT;
  }

  @Override
  public synchronized boolean rollDue() {
    if (parkedBytes < parkedFloor) {
      return false;
    }
    long now = System.nanoTime();
    if (now - limitCheckedNanos > LIMIT_RECHECK_NANOS || limitCheckedNanos == 0) {
      limitCheckedNanos = now;
      parkedLimit = Math.max(parkedFloor, Math.min(MAX_PARKED, freeDisk.getAsLong() / FREE_SHARE));
    }
    return parkedBytes >= parkedLimit;
  }

  /** Gives up a whole file (its volume is deleted). */
  public synchronized void releaseFile(long owner) {
    parkedFiles.add(owner);
  }

  /** The journal started a new segment: what was given up so far is named only in older ones. */
  @Override
  public synchronized void rolled() {
    files.values().forEach(ExtentFile::sealTaken);
    parkedSlots.forEach((o, s) -> sealedSlots.computeIfAbsent(o, x -> new BitSet()).or(s));
    sealedFiles.addAll(parkedFiles);
    parkedSlots = new HashMap<>();
    parkedFiles = new HashSet<>();
    parkedBytes = 0;
  }

  /** The segments before the last roll are gone: their slots are punched and reused, files deleted. */
  @Override
  public void checkpointed() {
    Map<Long, BitSet> slots;
    Set<Long> gone;
    files.values().forEach(ExtentFile::settleSealed);
    synchronized (this) {
      slots = sealedSlots;
      gone = sealedFiles;
      sealedSlots = new HashMap<>();
      sealedFiles = new HashSet<>();
    }
    for (long owner : gone) {
      slots.remove(owner);
      ExtentFile f = files.remove(owner);
      try {
        if (f != null) {
          f.close();
        }
        io.delete(nameOf(owner));
        io.delete(zonesOf(owner));
      } catch (IOException e) {
        log.warn("could not delete the extent file of deleted volume {}: {}", owner, e.getMessage());
      }
    }
    slots.forEach((owner, freed) -> {
      ExtentFile f = files.get(owner);
      if (f != null) {
        // Punched before it is free: once free, a writer may fill it at once.
        punchRuns(f, freed, MIN_PUNCH_SLOTS);
        freed.stream().forEach(f::free);
      }
    });
  }

  /** Punches every run of at least {@code minRun} adjacent slots. */
  private static void punchRuns(ExtentFile f, BitSet slots, int minRun) {
    try {
      for (int s = slots.nextSetBit(0); s >= 0; ) {
        int e = slots.nextClearBit(s);
        if (e - s >= minRun) {
          f.punch(s, e - s);
        }
        s = slots.nextSetBit(e);
      }
    } catch (IOException e) {
      log.warn("could not punch freed slots of volume {}: {}", f.owner(), e.getMessage());
    }
  }

  /**
   * At open, with an empty journal: {@code used} names every slot some map entry refers to, per
   * volume. Files of volumes in neither {@code used} nor {@code keep} are deleted; the others
   * reuse every other slot (punched, and the file cut after its last used slot).
   */
  public void load(Map<Long, BitSet> used, Set<Long> keep) throws IOException {
    List<String> names = io.list();
    for (String name : names) {
      if (name.endsWith(ZONES_SUFFIX) && name.length() == 16 + ZONES_SUFFIX.length()) {
        if (!names.contains(name.substring(0, 16) + SUFFIX)) {
          io.delete(name);
        }
        continue;
      }
      Long owner = ownerOf(name, SUFFIX);
      if (owner == null) {
        continue;
      }
      if (!used.containsKey(owner) && !keep.contains(owner)) {
        log.info("deleting the extent file of volume {}, which the store no longer has", owner);
        io.delete(name);
        io.delete(zonesOf(owner));
        continue;
      }
      ExtentFile f = file(owner);
      f.adopt(used.getOrDefault(owner, new BitSet()));
      punchRuns(f, f.freeSlots(), 1);
      f.trimTail();
    }
  }

  /** A volume restored while running (a catalog rebuild): its slots in use, the rest reusable. */
  public void adopt(long owner, BitSet used) throws IOException {
    ExtentFile f = existing(owner);
    if (f != null) {
      f.adopt(used);
    }
  }

  @Override
  public void close() {
    for (ExtentFile f : files.values()) {
      try {
        f.close();
      } catch (IOException e) {
        log.warn("closing the extent file of volume {}: {}", f.owner(), e.getMessage());
      }
    }
    files.clear();
  }
}
