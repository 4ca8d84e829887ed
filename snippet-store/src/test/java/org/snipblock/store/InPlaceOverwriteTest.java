package org.snipblock.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.BlockDevice;

/** Overwrites of the live layer's own chunks go back into their slots; everything else does not. */
class InPlaceOverwriteTest {
  private static final int MIB = 1 << 20;

  @TempDir Path dir;

  @Test
  void overwritesKeepTheFileAtTheVolumesSizeAndTheLastVersionSurvivesAReopen() throws Exception {
    try (SnippetStore store = SnippetStore.open(dir, StoreConfig.defaults())) {
      store.create(new VolumeSpec("v", 2 * MIB, 0, 512, false));
      write(store.open("v").orElseThrow(), 0, random(2 * MIB, 0));
    }
    // Reopened, the journal is checkpointed away: no record that named a slot can be replayed.
    ByteBuffer last;
    try (SnippetStore store = SnippetStore.open(dir, StoreConfig.defaults())) {
      BlockDevice d = store.open("v").orElseThrow();
      last = null;
      for (int round = 1; round <= 20; round++) {
        last = random(2 * MIB, round);
        write(d, 0, last);
      }
      // Fresh slots for every overwrite would have grown the file by 40 MiB before a checkpoint.
      assertThat(Files.size(extentFile())).isLessThanOrEqualTo(2L * MIB);
      assertThat(read(d, 0, 2 * MIB)).isEqualTo(last);
      assertThat(zonesOpen()).as("zones open for the overwrites").isTrue();
    }
    assertThat(zonesOpen()).as("a clean close leaves no zone for the next open to check").isFalse();
    try (SnippetStore store = SnippetStore.open(dir, StoreConfig.defaults())) {
      assertThat(read(store.open("v").orElseThrow(), 0, 2 * MIB)).isEqualTo(last);
      assertThat(store.show("v").orElseThrow().checksumErrors()).isZero();
      assertThat(zonesOpen()).as("no zone left open after a clean close and reopen").isFalse();
    }
  }

  @Test
  void aChunkIsNotRewrittenInPlaceWhileTheRecordThatPlacedItMayBeReplayed() throws Exception {
    try (SnippetStore store = SnippetStore.open(dir, StoreConfig.defaults())) {
      store.create(new VolumeSpec("v", 2 * MIB, 0, 512, false));
      BlockDevice d = store.open("v").orElseThrow();
      write(d, 0, random(2 * MIB, 0));
      write(d, 0, random(2 * MIB, 1));
      // Replay checks the first write's record against its slots: they took the second elsewhere.
      assertThat(Files.size(extentFile())).isGreaterThanOrEqualTo(4L * MIB);
      assertThat(zonesOpen()).isFalse();
    }
  }

  /**
   * A chunk rewritten in place twice leaves a journal record whose checksum no longer matches its
   * slot. A checkpoint that ran to its end but did not delete that record's segment (a crash in
   * between, here a failed delete) closed the zone: the next open must not stop replay at that
   * record (the database holds it already), or it loses every flushed write after it (issue #10).
   */
  @Test
  void aCheckpointWhoseSegmentsStayedDoesNotStopReplayAtAStaleOverwrite() throws Exception {
    ByteBuffer second = random(4096, 2);
    crashAfterACheckpointThatKeptItsSegments(d -> { });
    try (SnippetStore again = SnippetStore.open(dir, StoreConfig.defaults())) {
      BlockDevice d = again.open("v").orElseThrow();
      assertThat(read(d, 5 * 4096, 4096)).as("the write flushed after the checkpoint").isEqualTo(FLUSHED);
      assertThat(read(d, 0, 4096)).as("the last overwrite in place").isEqualTo(second);
      assertThat(again.show("v").orElseThrow().checksumErrors()).isZero();
    }
  }

  /**
   * The same, with the chunk trimmed after its overwrites: the database the replay starts from no
   * longer names the record's slot at all.
   */
  @Test
  void anOverwriteInPlaceTrimmedSinceDoesNotStopReplay() throws Exception {
    crashAfterACheckpointThatKeptItsSegments(d -> d.trim(0, 4096, false).get(30, TimeUnit.SECONDS));
    try (SnippetStore again = SnippetStore.open(dir, StoreConfig.defaults())) {
      BlockDevice d = again.open("v").orElseThrow();
      assertThat(read(d, 5 * 4096, 4096)).as("the write flushed after the checkpoint").isEqualTo(FLUSHED);
      assertThat(read(d, 0, 4096)).as("trimmed").isEqualTo(ByteBuffer.allocate(4096));
      assertThat(again.show("v").orElseThrow().checksumErrors()).isZero();
    }
  }

  private static final ByteBuffer FLUSHED = random(4096, 3);

  /** What a test does to volume v after chunk 0 was rewritten in place twice. */
  private interface Then {
    void accept(BlockDevice d) throws Exception;
  }

  /**
   * Volume v, chunk 0 written and settled (a clean close), then rewritten in place twice (the second
   * time with {@code random(4096, 2)}), {@code then}; a roll and a checkpoint after that whose
   * delete of the older segments fails, chunk 5 written with {@link #FLUSHED} and flushed (no
   * checkpoint takes it along), and a crash.
   */
  private void crashAfterACheckpointThatKeptItsSegments(Then then) throws Exception {
    try (SnippetStore store = SnippetStore.open(dir, StoreConfig.defaults())) {
      store.create(new VolumeSpec("v", 16 * MIB, 0, 512, false));
      // Compressed: its data goes into the journal, which rolls after a MiB of it.
      store.create(new VolumeSpec("w", 4 * MIB, 0, 512, true));
      write(store.open("v").orElseThrow(), 0, random(4096, 0));
    }
    FaultyJournalIo[] io = new FaultyJournalIo[1];
    StoreConfig rollsByWAndNeverByTime = StoreConfig.defaults()
        .withCheckpoint(1 << 20, java.time.Duration.ofHours(1))
        .withJournalIo(d -> io[0] = new FaultyJournalIo(d, new Random(1)));
    SnippetStore store = SnippetStore.open(dir, rollsByWAndNeverByTime);
    try {
      io[0].refuseDeletes();
      BlockDevice d = store.open("v").orElseThrow();
      write(d, 0, random(4096, 1));
      write(d, 0, random(4096, 2));
      assertThat(zonesOpen()).as("chunk 0 was rewritten in place").isTrue();
      then.accept(d);
      CompletableFuture<Void> checkpointed = io[0].refusalAfterNextRoll();
      BlockDevice w = store.open("w").orElseThrow();
      // No more than it takes to roll once: a second checkpoint could take chunk 5 along.
      for (int i = 0; i < 32 && !io[0].rolledSince(); i++) {
        write(w, i * (64L << 10), random(64 << 10, 10 + i));
        w.flush().get(30, TimeUnit.SECONDS);
      }
      SnippetStoreTest.await(checkpointed);
      write(d, 5 * 4096, FLUSHED);
      d.flush().get(30, TimeUnit.SECONDS);
    } finally {
      store.closeAbruptly();
    }
  }

  @Test
  void aSnapshotsChunksAreNeverRewrittenInPlace() throws Exception {
    ByteBuffer before = random(2 * MIB, 1);
    try (SnippetStore store = SnippetStore.open(dir, StoreConfig.defaults())) {
      store.create(new VolumeSpec("v", 2 * MIB, 0, 512, false));
      BlockDevice d = store.open("v").orElseThrow();
      write(d, 0, before);
      store.snapshot(List.of("v"), "s");
      write(d, 0, random(2 * MIB, 2));
    }
    try (SnippetStore store = SnippetStore.open(dir, StoreConfig.defaults())) {
      BlockDevice d = store.open("v").orElseThrow();
      ByteBuffer again = random(2 * MIB, 3);
      write(d, 0, again);
      write(d, 4096 + 512, random(512, 4));
      again.put(4096 + 512, random(512, 4), 0, 512);
      assertThat(zonesOpen()).as("the live layer's own chunks were rewritten in place").isTrue();
      assertThat(read(store.open("v@s").orElseThrow(), 0, 2 * MIB)).isEqualTo(before);
      assertThat(read(d, 0, 2 * MIB)).isEqualTo(again);
    }
  }

  private boolean zonesOpen() throws Exception {
    for (byte b : Files.readAllBytes(zonesFile())) {
      if (b != 0) {
        return true;
      }
    }
    return false;
  }

  private Path extentFile() throws Exception {
    return only(".ext");
  }

  private Path zonesFile() throws Exception {
    return only(".zon");
  }

  private Path only(String suffix) throws Exception {
    try (Stream<Path> files = Files.list(dir.resolve("extents"))) {
      return files.filter(p -> p.toString().endsWith(suffix)).findFirst().orElseThrow();
    }
  }

  private static ByteBuffer random(int len, long seed) {
    byte[] b = new byte[len];
    new Random(seed).nextBytes(b);
    return ByteBuffer.wrap(b);
  }

  private static void write(BlockDevice d, long offset, ByteBuffer data) throws Exception {
    d.write(offset, data.duplicate(), false).get(30, TimeUnit.SECONDS);
  }

  private static ByteBuffer read(BlockDevice d, long offset, int len) throws Exception {
    ByteBuffer b = ByteBuffer.allocate(len);
    d.read(offset, b).get(30, TimeUnit.SECONDS);
    return ByteBuffer.wrap(b.array());
  }
}
