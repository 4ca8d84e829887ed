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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.BlockDevice;

/**
 * Power cuts in write loops during which RocksDB writes its memtables out between checkpoints, as
 * it does on its own once one is full (PowerLossTest's memtables never fill before its frequent
 * checkpoints). Such a flush makes chunk map entries durable whose journal records are not: entries
 * naming fresh slots, whose data its listener must force first, and entries of overwrites in place,
 * whose data it leaves unsynced because their zones are open on disk and the next open checks them.
 * The loop mixes both (a chunk rewritten since the store opened goes to a fresh slot, an older one
 * in place), and checkpoints run in it too.
 *
 * <p>Some crashes are a process crash first, then a power cut soon after the restart: the restarted
 * store recovers from what the page cache kept (journal tail, unsynced extent writes, and flushed
 * entries naming them), and what it then reads must already be durable.
 */
@ExtendWith(ThreadsOnFailure.class)
class MemtableFlushCrashTest {
  private static final int CRASH_POINTS = 80;
  private static final long VOLUME = PowerLossTest.VOLUME;

  @TempDir Path dir;

  @Test
  void flushedWritesSurvivePowerCutsAfterMemtableFlushesAndRestarts() throws Exception {
    Random rnd = new Random(0xf1a5L);
    DurabilityOracle oracle = new DurabilityOracle(VOLUME / SectorPattern.SECTOR);
    long stamp = 1;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    int crashes = 0;
    int flushesWithInPlaceUnsynced = 0;
    int checkpointsInLoop = 0;
    int restarts = 0;
    for (int crash = 0; crash < CRASH_POINTS && System.nanoTime() < deadline; crash++) {
      FaultyJournalIo[] io = new FaultyJournalIo[1];
      FaultyExtentIo[] ext = new FaultyExtentIo[1];
      SnippetStore store = SnippetStore.open(dir, config(rnd, io, ext, null));
      if (crash == 0) {
        store.create(new VolumeSpec("p", VOLUME, 0, 512, false));
      }
      BlockDevice dev = verify(store, oracle);
      List<Long> segmentsAtOpen = io[0].segments();

      List<CompletableFuture<?>> pending = new ArrayList<>();
      int rounds = 1 + rnd.nextInt(3);
      for (int r = 0; r < rounds; r++) {
        stamp = PowerLossTest.drive(dev, oracle, rnd, stamp, pending);
        // Half the flushes run with requests in flight; after the others, any extent write still
        // unsynced is an overwrite in place whose entry the flush made durable.
        boolean quiet = rnd.nextBoolean();
        if (quiet) {
          PowerLossTest.settle(pending);
        }
        // RocksDB's flush of every column family alone, as when a memtable fills, through the same
        // listener (the store's checkpoint forces the extent files before it calls this).
        store.db().checkpoint();
        if (quiet && ext[0].unsyncedWrites(".ext") > 0) {
          flushesWithInPlaceUnsynced++;
        }
        // The oracle needs the writes to a sector one at a time; each drive only knows its own.
        PowerLossTest.settle(pending);
      }
      stamp = PowerLossTest.drive(dev, oracle, rnd, stamp, pending);
      if (!io[0].segments().equals(segmentsAtOpen)) {
        checkpointsInLoop++;
      }
      if (rnd.nextInt(3) == 0) {
        // A process crash: the page cache keeps every write, synced or not, and the next process
        // reads them. Only then does the power go.
        store.closeAbruptly();
        PowerLossTest.settle(pending);
        store = SnippetStore.open(dir, config(rnd, io, ext, ext[0]));
        dev = verify(store, oracle);
        stamp = PowerLossTest.drive(dev, oracle, rnd, stamp, pending);
        restarts++;
      }
      // As in PowerLossTest: the journal first, the extent files last.
      io[0].powerLoss();
      store.closeAbruptly();
      ext[0].powerLoss();
      PowerLossTest.settle(pending);
      crashes++;
    }
    SnippetStore store = SnippetStore.open(dir, StoreConfig.defaults());
    verify(store, oracle);
    store.close();
    assertThat(crashes).isGreaterThanOrEqualTo(25);
    assertThat(flushesWithInPlaceUnsynced).as("flushes that left overwrites in place unsynced").isGreaterThanOrEqualTo(5);
    assertThat(checkpointsInLoop).as("crash loops with a checkpoint in them").isGreaterThanOrEqualTo(5);
    assertThat(restarts).as("process crashes before a power cut").isGreaterThanOrEqualTo(5);
  }

  /**
   * Reads the whole volume: every sector holds its durable value or a later one, intact, and no
   * chunk fails its checksum. What it read is the oracle's new durable state.
   */
  private static BlockDevice verify(SnippetStore store, DurabilityOracle oracle) throws Exception {
    BlockDevice dev = store.open("p").orElseThrow();
    ByteBuffer all = ByteBuffer.allocate((int) VOLUME);
    dev.read(0, all).get(30, TimeUnit.SECONDS);
    oracle.verifyAndReset(all);
    assertThat(store.show("p").orElseThrow().checksumErrors()).isZero();
    return dev;
  }

  /**
   * Memtables of 1 MiB that the loop's few hundred chunk entries never fill, checkpoints by time
   * only: every 20-100 ms, or in a fifth of the loops 1 ms, so that loops have one however fast the
   * machine runs them (a CI machine did a loop in under 20 ms), and a journal and extent files that
   * {@code io[0]} and {@code ext[0]} can make lose power; {@code keep}: the extent files of the
   * process that crashed, whose unsynced writes the page cache still holds.
   */
  private static StoreConfig config(Random rnd, FaultyJournalIo[] io, FaultyExtentIo[] ext, FaultyExtentIo keep) {
    long seed = rnd.nextLong();
    return StoreConfig.defaults()
        .withDefaultSnippetSize(256 << 10)
        .withIoThreads(3)
        .withMemtableBytes(1 << 20)
        .withCheckpoint(64L << 20, Duration.ofMillis(rnd.nextInt(5) == 0 ? 1 : 20 + rnd.nextInt(80)))
        .withJournalIo(d -> io[0] = new FaultyJournalIo(d, new Random(rnd.nextLong())))
        .withExtentIo(d -> keep != null ? keep : (ext[0] = new FaultyExtentIo(d, new Random(seed))));
  }
}
