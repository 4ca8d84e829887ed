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
  void everyKindOfOpReadsBackAndAnUnknownOneStopsReplay() throws Exception {
    FileJournalIo io = new FileJournalIo(dir);
    JournalBatch all = new JournalBatch()
        .put(Space.ALLOCATION, new byte[] {1}, new byte[] {2, 3})
        .note(Space.ALLOCATION, new byte[] {1})
        .delete(Space.BLOCKS, new byte[] {4})
        .deleteRange(Space.LABELS, new byte[] {5}, new byte[] {6});
    Journal j = Journal.start(io, 1, b -> { }, () -> { }, Journal.Listener.NONE, completions, 1L << 30,
        Duration.ofHours(1), "test-journal-4");
    j.submit(all, true, e -> { }).join();
    j.abandon();
    List<JournalBatch> got = replay(io);
    assertThat(got).hasSize(1);
    assertThat(got.get(0).ops()).extracting(JournalBatch.Op::kind).containsExactly(
        JournalBatch.OpKind.PUT, JournalBatch.OpKind.NOTE, JournalBatch.OpKind.DELETE, JournalBatch.OpKind.DELETE_RANGE);
    assertThat(got.get(0).ops().get(1).key()).containsExactly(1);
    assertThat(got.get(0).ops().get(1).value()).isNull();
    assertThat(got.get(0).ops().get(3).value()).containsExactly(6);

    // A record with a good CRC whose op kind this version does not know: replay stops before it.
    java.nio.ByteBuffer payload = java.nio.ByteBuffer.allocate(11).putInt(1).put((byte) 9).put((byte) 0)
        .putInt(1).put((byte) 7).flip();
    int crc = JournalReplay.crcOf(11, 2, payload.duplicate());
    try (JournalIo.SegmentWriter w = io.create(2)) {
      w.append(java.nio.ByteBuffer.allocate(16 + 11).putInt(11).putInt(crc).putLong(2).put(payload).flip());
    }
    assertThat(replay(io)).hasSize(1);
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
