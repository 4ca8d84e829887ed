package org.snipblock.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.BlockDevice;

/**
 * Simulated power loss at many random points: the journal forgets everything not synced (keeping
 * at most a torn, garbled tail), every unsynced extent write is kept, lost or torn, and RocksDB
 * closes without flushing its memtables. After each
 * recovery every sector must hold its durable value or a later one, intact, with no checksum errors.
 */
@ExtendWith(ThreadsOnFailure.class)
class PowerLossTest {
  private static final int CRASH_POINTS = 200;
  static final long VOLUME = 2L << 20;
  private static final long SECTORS = VOLUME / SectorPattern.SECTOR;

  @TempDir Path dir;

  /** Compressed volumes keep their chunks in RocksDB, the others in extent files: both are crashed. */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void flushedDataSurvivesEveryCrashPoint(boolean compression) throws Exception {
    Random rnd = new Random(0x5eedL);
    DurabilityOracle oracle = new DurabilityOracle(SECTORS);
    long stamp = 1;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
    int crashes = 0;
    for (int crash = 0; crash < CRASH_POINTS && System.nanoTime() < deadline; crash++) {
      FaultyJournalIo[] io = new FaultyJournalIo[1];
      FaultyExtentIo[] ext = new FaultyExtentIo[1];
      SnippetStore store = SnippetStore.open(dir, crashingConfig(rnd, io, ext));
      if (crash == 0) {
        store.create(new VolumeSpec("p", VOLUME, 0, 512, compression));
      }
      BlockDevice dev = store.open("p").orElseThrow();
      ByteBuffer all = ByteBuffer.allocate((int) VOLUME);
      dev.read(0, all).get(30, TimeUnit.SECONDS);
      oracle.verifyAndReset(all);
      assertThat(store.show("p").orElseThrow().checksumErrors()).isZero();

      List<CompletableFuture<?>> pending = new ArrayList<>();
      stamp = drive(dev, oracle, rnd, stamp, pending);
      if (rnd.nextBoolean()) {
        settle(pending);
      }
      // The journal first, extent files last: once the journal is cut nothing more is
      // acknowledged, and nothing can flush RocksDB after the extent files lost their unsynced
      // writes (a real power cut stops all three at once).
      io[0].powerLoss();
      store.closeAbruptly();
      ext[0].powerLoss();
      settle(pending);
      crashes++;
    }
    SnippetStore store = SnippetStore.open(dir, StoreConfig.defaults());
    BlockDevice dev = store.open("p").orElseThrow();
    ByteBuffer all = ByteBuffer.allocate((int) VOLUME);
    dev.read(0, all).get(30, TimeUnit.SECONDS);
    oracle.verifyAndReset(all);
    assertThat(store.show("p").orElseThrow().checksumErrors()).isZero();
    store.close();
    assertThat(crashes).isGreaterThanOrEqualTo(50);
  }

  /**
   * The same crashes with snapshots taken and deleted between the writes, and a clone of one of them
   * written between crashes: after every recovery each snapshot reads exactly as it did when taken
   * (its commit was synced, and with it every write before it), the clone reads its parent snapshot
   * under its own flushed writes and still names its parent, whose deletion is refused, and the
   * volume keeps the durability guarantees above. Every third recovery also finds the catalog and
   * the layer records lost: the labels alone give back the volumes, snapshots and the clone's link.
   */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void snapshotsSurviveEveryCrashPointAsTaken(boolean compression) throws Exception {
    Random rnd = new Random(0x5a95L);
    DurabilityOracle oracle = new DurabilityOracle(SECTORS);
    java.util.Map<String, ByteBuffer> snapshots = new java.util.LinkedHashMap<>();
    // The clone "c" of p@cloneParent, once made, and what it must read (its flushed writes over the parent).
    String cloneParent = null;
    ByteBuffer clone = null;
    long stamp = 1;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    int crashes = 0;
    for (int crash = 0; crash < CRASH_POINTS / 4 && System.nanoTime() < deadline; crash++) {
      FaultyJournalIo[] io = new FaultyJournalIo[1];
      FaultyExtentIo[] ext = new FaultyExtentIo[1];
      SnippetStore store = SnippetStore.open(dir, crashingConfig(rnd, io, ext));
      if (crash == 0) {
        store.create(new VolumeSpec("p", VOLUME, 0, 512, compression));
      }
      BlockDevice dev = store.open("p").orElseThrow();
      ByteBuffer all = ByteBuffer.allocate((int) VOLUME);
      dev.read(0, all).get(30, TimeUnit.SECONDS);
      oracle.verifyAndReset(all);
      assertThat(store.snapshots("p")).extracting(SnapshotInfo::name).containsExactlyElementsOf(snapshots.keySet());
      for (var e : snapshots.entrySet()) {
        ByteBuffer got = ByteBuffer.allocate((int) VOLUME);
        store.open("p@" + e.getKey()).orElseThrow().read(0, got).get(30, TimeUnit.SECONDS);
        assertThat(got.flip()).as("snapshot %s after crash %d", e.getKey(), crash).isEqualTo(e.getValue());
      }
      assertThat(store.show("p").orElseThrow().checksumErrors()).isZero();
      if (clone != null) {
        checkClone(store, cloneParent, clone, crash);
      }

      List<CompletableFuture<?>> pending = new ArrayList<>();
      stamp = drive(dev, oracle, rnd, stamp, pending);
      settle(pending);
      String name = "s" + crash;
      store.snapshot(List.of("p"), name);
      ByteBuffer taken = ByteBuffer.allocate((int) VOLUME);
      store.open("p@" + name).orElseThrow().read(0, taken).get(30, TimeUnit.SECONDS);
      snapshots.put(name, taken.flip());
      if (clone == null && snapshots.size() > 1) {
        cloneParent = new ArrayList<>(snapshots.keySet()).get(rnd.nextInt(snapshots.size()));
        store.cloneVolume("p", cloneParent, "c", 0);
        clone = ByteBuffer.allocate((int) VOLUME).put(snapshots.get(cloneParent).duplicate()).flip();
      }
      if (clone != null) {
        stamp = writeClone(store, clone, rnd, stamp);
      }
      if (snapshots.size() > 3) {
        // Deleting one from the middle or the end merges it into its neighbour above (the clone's
        // parent is refused: checked after each recovery).
        List<String> deletable = new ArrayList<>(snapshots.keySet());
        deletable.remove(cloneParent);
        String victim = deletable.get(rnd.nextInt(deletable.size()));
        store.deleteSnapshot("p", victim);
        snapshots.remove(victim);
      }
      stamp = drive(dev, oracle, rnd, stamp, pending);
      if (rnd.nextBoolean()) {
        settle(pending);
      }
      // The journal first, extent files last: once the journal is cut nothing more is
      // acknowledged, and nothing can flush RocksDB after the extent files lost their unsynced
      // writes (a real power cut stops all three at once).
      io[0].powerLoss();
      store.closeAbruptly();
      ext[0].powerLoss();
      settle(pending);
      if (crash % 3 == 2) {
        loseCatalogAndLayers(dir);
      }
      crashes++;
    }
    assertThat(crashes).isGreaterThanOrEqualTo(20);
    assertThat(clone).as("a clone was made and crashed with").isNotNull();
  }

  /**
   * A kill leaves unsynced writes in the page cache, where the next open's replay reads them; a
   * power loss after that open must not find a map entry it made durable naming data that is not.
   */
  @org.junit.jupiter.api.Test
  void replayMakesTheDataItFoundDurableBeforeItsEntries() throws Exception {
    FaultyExtentIo[] ext = new FaultyExtentIo[2];
    // Every unsynced write is lost at the power cut.
    Random loses = new Random() {
      @Override
      public int nextInt(int bound) {
        return 1;
      }
    };
    SnippetStore killed = SnippetStore.open(dir, StoreConfig.defaults()
        .withExtentIo(d -> ext[0] = new FaultyExtentIo(d, loses)));
    killed.create(new VolumeSpec("p", VOLUME, 0, 512, false));
    ByteBuffer data = SectorPattern.fill(1, 0, 8);
    killed.open("p").orElseThrow().write(0, data.duplicate(), false).get(30, TimeUnit.SECONDS);
    killed.closeAbruptly();

    SnippetStore reopened = SnippetStore.open(dir, StoreConfig.defaults()
        .withExtentIo(d -> ext[1] = new FaultyExtentIo(d, loses, ext[0])));
    reopened.closeAbruptly();
    ext[1].powerLoss();

    try (SnippetStore store = SnippetStore.open(dir, StoreConfig.defaults())) {
      ByteBuffer got = ByteBuffer.allocate(data.remaining());
      store.open("p").orElseThrow().read(0, got).get(30, TimeUnit.SECONDS);
      assertThat(got.flip()).as("the replayed write").isEqualTo(data);
      assertThat(store.show("p").orElseThrow().checksumErrors()).isZero();
    }
  }

  /** After a recovery: the clone reads as expected, names its parent, and keeps the parent's snapshot from deletion. */
  private static void checkClone(SnippetStore store, String parent, ByteBuffer expected, int crash) throws Exception {
    VolumeInfo c = store.show("c").orElseThrow(() -> new AssertionError("clone c lost in crash " + crash));
    assertThat(c.parent()).as("the clone's parent link after crash %d", crash).isEqualTo("p@" + parent);
    ByteBuffer got = ByteBuffer.allocate((int) VOLUME);
    BlockDevice dev = store.open("c").orElseThrow();
    dev.read(0, got).get(30, TimeUnit.SECONDS);
    dev.close();
    assertThat(got.flip()).as("the clone's content after crash %d", crash).isEqualTo(expected.duplicate());
    assertThat(store.show("c").orElseThrow().checksumErrors()).isZero();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.deleteSnapshot("p", parent))
        .isInstanceOf(VolumeAdminException.class).hasMessageContaining("used by clones c");
    assertThat(store.snapshots("p")).extracting(SnapshotInfo::name).contains(parent);
  }

  /**
   * Deletes the catalog and every layer record from what RocksDB holds after the crash; the
   * journal's unsynced tail is already gone, and replaying the rest may put some of them back.
   */
  private static void loseCatalogAndLayers(Path dir) throws Exception {
    try (StoreDb db = new StoreDb(dir.resolve("db"), 1 << 20)) {
      db.apply(List.of(new org.snipblock.store.journal.JournalBatch()
          .deleteRange(org.snipblock.store.journal.JournalBatch.Space.CATALOG, StoreDb.key(0), StoreDb.key(Long.MAX_VALUE))
          .deleteRange(org.snipblock.store.journal.JournalBatch.Space.LAYERS, StoreDb.key(0), StoreDb.key(Long.MAX_VALUE))));
      db.checkpoint();
    }
  }

  /** A few writes to the clone, each waited for, then a flush: all of them durable, recorded in {@code expected}. */
  private static long writeClone(SnippetStore store, ByteBuffer expected, Random rnd, long stamp) throws Exception {
    BlockDevice dev = store.open("c").orElseThrow();
    int writes = 1 + rnd.nextInt(4);
    for (int i = 0; i < writes; i++) {
      int count = 1 + rnd.nextInt(24);
      long first = rnd.nextLong(SECTORS - count + 1);
      ByteBuffer data = SectorPattern.fill(stamp++, first, count);
      expected.put((int) (first * SectorPattern.SECTOR), data.duplicate(), 0, data.remaining());
      dev.write(first * SectorPattern.SECTOR, data, rnd.nextInt(4) == 0).get(30, TimeUnit.SECONDS);
    }
    dev.flush().get(30, TimeUnit.SECONDS);
    dev.close();
    return stamp;
  }

  /**
   * Small memtables and frequent checkpoints, and a journal and extent files that {@code io[0]} and
   * {@code ext[0]} can make lose power.
   */
  private static StoreConfig crashingConfig(Random rnd, FaultyJournalIo[] io, FaultyExtentIo[] ext) {
    return StoreConfig.defaults()
        .withDefaultSnippetSize(256 << 10)
        .withIoThreads(3)
        .withMemtableBytes(1 << 20)
        .withCheckpoint(1 << 20, Duration.ofMillis(200 + rnd.nextInt(300)))
        .withJournalIo(d -> io[0] = new FaultyJournalIo(d, new Random(rnd.nextLong())))
        .withExtentIo(d -> ext[0] = new FaultyExtentIo(d, new Random(rnd.nextLong())));
  }

  /**
   * Issues a random mix of writes, trims, zeroings and flushes, recording each in the oracle;
   * some are left in flight. Returns the next unused stamp.
   */
  static long drive(BlockDevice dev, DurabilityOracle oracle, Random rnd, long stamp,
      List<CompletableFuture<?>> pending) throws Exception {
    boolean[] busy = new boolean[(int) SECTORS];
    int ops = 5 + rnd.nextInt(60);
    for (int op = 0; op < ops; op++) {
      int kind = rnd.nextInt(100);
      if (kind < 15) {
        List<Long> covered = oracle.flushIssued();
        pending.add(dev.flush().thenRun(() -> oracle.flushCompleted(covered)));
        continue;
      }
      int count = 1 + (rnd.nextInt(4) == 0 ? rnd.nextInt(200) : rnd.nextInt(16));
      long first = rnd.nextLong(SECTORS - count + 1);
      if (overlaps(busy, first, count)) {
        continue;
      }
      mark(busy, first, count, true);
      boolean fua = rnd.nextInt(8) == 0;
      long offset = first * SectorPattern.SECTOR;
      long length = (long) count * SectorPattern.SECTOR;
      CompletableFuture<Void> f;
      if (kind < 75) {
        long s = stamp++;
        oracle.issued(s, first, count);
        f = dev.write(offset, SectorPattern.fill(s, first, count), fua);
      } else if (kind < 90) {
        oracle.issued(0, first, count);
        f = dev.trim(offset, length, fua);
      } else {
        oracle.issued(0, first, count);
        f = dev.writeZeroes(offset, length, rnd.nextBoolean(), fua);
      }
      long key = oracle.lastIssued();
      pending.add(f.whenComplete((v, e) -> {
        if (e == null) {
          oracle.completed(key, fua);
        }
        synchronized (busy) {
          mark(busy, first, count, false);
        }
      }));
      // let some requests finish so that later ones can reuse their sectors
      if (rnd.nextInt(4) == 0) {
        settle(pending);
      }
    }
    return stamp;
  }

  private static boolean overlaps(boolean[] busy, long first, int count) {
    synchronized (busy) {
      for (long s = first; s < first + count; s++) {
        if (busy[(int) s]) {
          return true;
        }
      }
      return false;
    }
  }

  private static void mark(boolean[] busy, long first, int count, boolean v) {
    synchronized (busy) {
      for (long s = first; s < first + count; s++) {
        busy[(int) s] = v;
      }
    }
  }

  static void settle(List<CompletableFuture<?>> pending) throws Exception {
    try {
      CompletableFuture.allOf(pending.toArray(new CompletableFuture<?>[0]))
          .exceptionally(e -> null).get(30, TimeUnit.SECONDS);
    } finally {
      pending.removeIf(CompletableFuture::isDone);
    }
    assertThat(pending).as("requests still pending").isEmpty();
  }
}
