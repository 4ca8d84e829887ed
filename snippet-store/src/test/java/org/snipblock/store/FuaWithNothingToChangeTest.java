package org.snipblock.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.snipblock.store.SnippetStoreTest.await;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.BlockDevice;

/**
 * A FUA request that finds nothing to change (a trim of sectors an earlier trim already unmapped)
 * writes no journal record, yet it promises that what it asked for is durable, and that rests on
 * the earlier change, whose record may not be synced yet. Found by {@link MemtableFlushCrashTest}
 * (issues #10/#18): a power cut took the earlier trim's unsynced record and the data came back
 * under a completed FUA trim.
 */
class FuaWithNothingToChangeTest {
  private static final int SECTOR = 512;

  @TempDir Path dir;

  @Test
  void aFuaTrimOfSectorsAnUnsyncedTrimUnmappedSurvivesAPowerCut() throws Exception {
    FaultyJournalIo[] io = new FaultyJournalIo[1];
    // Nothing syncs the journal on its own: no checkpoint by time or size during the test.
    StoreConfig syncsOnlyWhenAsked = StoreConfig.defaults()
        .withCheckpoint(64L << 20, Duration.ofHours(1))
        .withJournalIo(d -> io[0] = FaultyJournalIo.losingTheWholeUnsyncedTail(d));
    SnippetStore store = SnippetStore.open(dir, syncsOnlyWhenAsked);
    try {
      store.create(new VolumeSpec("v", 1 << 20, 0, SECTOR, false));
      BlockDevice d = store.open("v").orElseThrow();
      await(d.write(0, SectorPattern.fill(1, 0, 8), true));
      await(d.trim(0, 8 * SECTOR, false));
      // Part of a chunk that is unmapped already: no record to write, only a promise to keep.
      await(d.trim(5 * SECTOR, 3 * SECTOR, true));
      io[0].powerLoss();
    } finally {
      store.closeAbruptly();
    }
    try (SnippetStore again = SnippetStore.open(dir, StoreConfig.defaults())) {
      ByteBuffer got = ByteBuffer.allocate(3 * SECTOR);
      await(again.open("v").orElseThrow().read(5 * SECTOR, got));
      for (int s = 5; s < 8; s++) {
        assertThat(SectorPattern.stampOf(got, (s - 5) * SECTOR, s)).as("stamp of sector %d after the FUA trim", s).isZero();
      }
    }
  }
}
