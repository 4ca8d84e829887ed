package org.snipblock.store.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.store.journal.JournalBatch.Space;

class JournalTest {
  @TempDir Path dir;
  private final ExecutorService completions = Executors.newSingleThreadExecutor();

  @AfterEach
  void stop() {
    completions.shutdown();
  }

  private static JournalBatch batch(int i) {
    return new JournalBatch().put(Space.BLOCKS, new byte[] {(byte) i}, new byte[100]);
  }

  private List<JournalBatch> writeRecords(FileJournalIo io, int n) throws Exception {
    List<JournalBatch> applied = new ArrayList<>();
    Journal j = Journal.start(io, 1, (b, s) -> applied.addAll(b), () -> { }, Journal.Listener.NONE, completions, 1L << 30,
        Duration.ofHours(1), "test-journal");
    List<CompletableFuture<Void>> fs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      fs.add(j.submit(batch(i), i == n - 1, e -> { }));
    }
    CompletableFuture.allOf(fs.toArray(new CompletableFuture<?>[0])).join();
    j.abandon();
    return applied;
  }

  private static List<JournalBatch> replay(FileJournalIo io) throws Exception {
    List<JournalBatch> out = new ArrayList<>();
    JournalReplay.replay(io, (b, s) -> out.addAll(b), JournalReplay.Check.ALL, 0);
    return out;
  }

  @Test
  void replaysEveryIntactRecordInOrder() throws Exception {
    FileJournalIo io = new FileJournalIo(dir);
    assertThat(writeRecords(io, 50)).hasSize(50);
    List<JournalBatch> got = replay(io);
    assertThat(got).hasSize(50);
    for (int i = 0; i < 50; i++) {
      assertThat(got.get(i).ops().get(0).key()).containsExactly((byte) i);
    }
  }

  /**
   * Records the database already holds are neither checked nor applied again: their data may
   * since have been rewritten in place or its slot reused, so a check could stop the replay there
   * and drop every later record, durable ones included.
   */
  @Test
  void replaySkipsRecordsTheDatabaseAlreadyHolds() throws Exception {
    FileJournalIo io = new FileJournalIo(dir);
    writeRecords(io, 10);
    List<JournalBatch> got = new ArrayList<>();
    long[] lastApplied = {0};
    JournalReplay.Check failsOldRecords = b -> b.ops().get(0).key()[0] >= 4;
    JournalReplay.Replay r = JournalReplay.replay(io, (b, last) -> {
      got.addAll(b);
      lastApplied[0] = last;
    }, failsOldRecords, 4);
    assertThat(got).extracting(b -> (int) b.ops().get(0).key()[0]).containsExactly(4, 5, 6, 7, 8, 9);
    assertThat(r.lastSeq()).isEqualTo(10);
    assertThat(r.records()).isEqualTo(6);
    assertThat(lastApplied[0]).isEqualTo(10);
    // Without the database's mark, the same check stops the replay at the first record.
    got.clear();
    assertThat(JournalReplay.replay(io, (b, last) -> got.addAll(b), failsOldRecords, 0).records()).isZero();
  }

  @Test
  void replayStopsAtATornTail() throws Exception {
    FileJournalIo io = new FileJournalIo(dir);
    writeRecords(io, 10);
    Path seg = io.pathOf(1);
    try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
      ch.truncate(ch.size() - 7);
    }
    assertThat(replay(io)).hasSize(9);
  }

  @Test
  void replayStopsAtACorruptRecordAndIgnoresWhatFollows() throws Exception {
    FileJournalIo io = new FileJournalIo(dir);
    writeRecords(io, 10);
    Path seg = io.pathOf(1);
    long recordSize;
    try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      recordSize = ch.size() / 10;
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
      ch.read(b, recordSize * 4 + 40);
      b.put(0, (byte) (b.get(0) ^ 0x55)).rewind();
      ch.write(b, recordSize * 4 + 40);
    }
    assertThat(replay(io)).hasSize(4);
  }

  @Test
  void aSegmentThatDoesNotContinueTheSequenceIsIgnored() throws Exception {
    FileJournalIo io = new FileJournalIo(dir);
    writeRecords(io, 5);
    List<JournalBatch> applied = new ArrayList<>();
    Journal j = Journal.start(io, 100, (b, s) -> applied.addAll(b), () -> { }, Journal.Listener.NONE, completions, 1L << 30,
        Duration.ofHours(1), "test-journal-2");
    j.submit(batch(1), true, e -> { }).join();
    j.abandon();
    assertThat(replay(io)).hasSize(5);
  }

  @Test
  void closeCheckpointsAndEmptiesTheJournal() throws Exception {
    FileJournalIo io = new FileJournalIo(dir);
    int[] checkpoints = {0};
    Journal j = Journal.start(io, 1, (b, s) -> { }, () -> checkpoints[0]++, Journal.Listener.NONE, completions, 1L << 30,
        Duration.ofHours(1), "test-journal-3");
    j.submit(batch(1), false, e -> { }).join();
    j.close();
    assertThat(checkpoints[0]).isEqualTo(1);
    assertThat(io.segments()).isEmpty();
  }
}
