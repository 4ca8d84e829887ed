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
    Journal j = Journal.start(io, 1, applied::addAll, () -> { }, Journal.Listener.NONE, completions, 1L << 30,
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
    JournalReplay.replay(io, out::addAll, JournalReplay.Check.ALL);
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
    Journal j = Journal.start(io, 100, applied::addAll, () -> { }, Journal.Listener.NONE, completions, 1L << 30,
        Duration.ofHours(1), "test-journal-2");
    j.submit(batch(1), true, e -> { }).join();
    j.abandon();
    assertThat(replay(io)).hasSize(5);
  }

  @Test
  void closeCheckpointsAndEmptiesTheJournal() throws Exception {
    FileJournalIo io = new FileJournalIo(dir);
    int[] checkpoints = {0};
    Journal j = Journal.start(io, 1, b -> { }, () -> checkpoints[0]++, Journal.Listener.NONE, completions, 1L << 30,
        Duration.ofHours(1), "test-journal-3");
    j.submit(batch(1), false, e -> { }).join();
    j.close();
    assertThat(checkpoints[0]).isEqualTo(1);
    assertThat(io.segments()).isEmpty();
  }
}
