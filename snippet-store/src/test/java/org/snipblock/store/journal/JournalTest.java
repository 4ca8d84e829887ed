package org.snipblock.store.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.BlockDeviceException;
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
    Journal j = Journal.start(io, 1, (b, s) -> applied.addAll(b), () -> { }, JournalListener.NONE, completions, 1L << 30,
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

  /**
   * What the applier held back goes in after the requests committed are answered, by the thread
   * that committed them: here a second request, queued while the first one's apply runs, is
   * committed and answered by the first one's thread before it settles.
   */
  @Test
  void theApplierSettlesAfterTheRequestsItsThreadCommittedAreAnswered() throws Exception {
    List<String> steps = java.util.Collections.synchronizedList(new ArrayList<>());
    CountDownLatch applying = new CountDownLatch(1);
    CountDownLatch proceed = new CountDownLatch(1);
    Journal.Applier applier = new Journal.Applier() {
      @Override
      public void apply(List<JournalBatch> batches, long lastSeq) throws Exception {
        steps.add("apply " + lastSeq);
        if (lastSeq == 1) {
          applying.countDown();
          assertThat(proceed.await(10, TimeUnit.SECONDS)).isTrue();
        }
      }

      @Override
      public void settle() {
        steps.add("settle");
      }
    };
    Journal j = Journal.start(new FileJournalIo(dir), 1, applier, () -> { }, JournalListener.NONE, completions,
        1L << 30, Duration.ofHours(1), "test-journal");
    ExecutorService first = Executors.newSingleThreadExecutor();
    try {
      Future<?> one = first.submit(() -> j.submit(batch(1), false, e -> { }).join());
      assertThat(applying.await(10, TimeUnit.SECONDS)).isTrue();
      CompletableFuture<Void> two = j.submit(batch(2), false, e -> { });
      assertThat(two).isNotDone();
      two.thenRun(() -> steps.add("answered 2"));
      proceed.countDown();
      one.get(10, TimeUnit.SECONDS);
      two.get(10, TimeUnit.SECONDS);
      assertThat(steps).containsExactly("apply 1", "apply 2", "answered 2", "settle");
    } finally {
      proceed.countDown();
      first.shutdown();
      j.close();
    }
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
    Journal j = Journal.start(io, 100, (b, s) -> applied.addAll(b), () -> { }, JournalListener.NONE, completions, 1L << 30,
        Duration.ofHours(1), "test-journal-2");
    j.submit(batch(1), true, e -> { }).join();
    j.abandon();
    assertThat(replay(io)).hasSize(5);
  }

  @Test
  void closeCheckpointsAndEmptiesTheJournal() throws Exception {
    FileJournalIo io = new FileJournalIo(dir);
    int[] checkpoints = {0};
    Journal j = Journal.start(io, 1, (b, s) -> { }, () -> checkpoints[0]++, JournalListener.NONE, completions, 1L << 30,
        Duration.ofHours(1), "test-journal-3");
    j.submit(batch(1), false, e -> { }).join();
    j.close();
    assertThat(checkpoints[0]).isEqualTo(1);
    assertThat(io.segments()).isEmpty();
  }

  /**
   * A durable batch whose group is still being applied when the journal is abandoned: the syncer is
   * gone by the time the batch is handed to it, and its request must fail rather than wait forever
   * (a client's FUA write or flush would hang on the store's crash).
   */
  @Test
  void aDurableBatchAppliedWhileTheJournalIsAbandonedFails() throws Exception {
    CountDownLatch applying = new CountDownLatch(1);
    CountDownLatch go = new CountDownLatch(1);
    Journal j = Journal.start(new FileJournalIo(dir), 1, (b, s) -> {
      applying.countDown();
      go.await();
    }, () -> { }, JournalListener.NONE, completions, 1L << 30, Duration.ofHours(1), "abandoned-journal");
    Thread syncer = thread("abandoned-journal");
    ExecutorService writer = Executors.newSingleThreadExecutor();
    try {
      Future<CompletableFuture<Void>> submitted = writer.submit(() -> j.submit(batch(1), true, e -> { }));
      assertThat(applying.await(10, TimeUnit.SECONDS)).isTrue();
      Thread abandoning = new Thread(j::abandon, "abandoning");
      abandoning.start();
      // The abandon stops the syncer first, then waits for the lock the batch's committer holds.
      syncer.join(10_000);
      assertThat(syncer.isAlive()).isFalse();
      awaitParkedOnLock(abandoning);
      go.countDown();
      CompletableFuture<Void> done = submitted.get(10, TimeUnit.SECONDS);
      assertThatThrownBy(() -> done.get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(BlockDeviceException.class);
      abandoning.join(10_000);
      assertThat(abandoning.isAlive()).isFalse();
    } finally {
      go.countDown();
      writer.shutdown();
    }
  }

  /**
   * The syncer's end, clean or as in a crash, leaves no durable batch handed to it afterwards
   * waiting (its committer checked the journal before the end); its owner was told of the apply by
   * the commit, and only the waiter learns that durability never came.
   */
  @Test
  void aDurableBatchReachingAnEndedSyncerFails() throws Exception {
    Journal j = Journal.start(new FileJournalIo(dir), 1, (b, s) -> { }, () -> { }, JournalListener.NONE, completions,
        1L << 30, Duration.ofHours(1), "ended-journal");
    try {
      for (boolean crash : new boolean[] {false, true}) {
        JournalSyncer syncer = new JournalSyncer(j, null, "ended-syncer");
        syncer.start();
        if (crash) {
          syncer.abandon();
        } else {
          syncer.stop();
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        int[] told = {0};
        syncer.add(new JournalItem(batch(1), true, e -> told[0]++, done, false));
        assertThat(done).as(crash ? "after an abandon" : "after a stop").isCompletedExceptionally();
        assertThat(told[0]).isZero();
      }
    } finally {
      j.abandon();
    }
  }

  /**
   * An abandon while the syncer forces the files its records refer to lets that sync end rather
   * than interrupt it: NIO channels close on interrupt, and a closed extent file made the RocksDB
   * flush still under way in the crash tests write entries naming data it could not force.
   */
  @Test
  void anAbandonLeavesTheFilesASyncForcesOpen() throws Exception {
    CountDownLatch syncing = new CountDownLatch(1);
    CountDownLatch go = new CountDownLatch(1);
    FileChannel extent = FileChannel.open(dir.resolve("extent"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    JournalListener forcesExtent = new JournalListener() {
      @Override
      public void beforeSync() throws java.io.IOException {
        syncing.countDown();
        boolean interrupted = false;
        while (true) {
          try {
            go.await();
            break;
          } catch (InterruptedException e) {
            interrupted = true;
          }
        }
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
        extent.force(false);
      }
    };
    Journal j = Journal.start(new FileJournalIo(dir), 1, (b, s) -> { }, () -> { }, forcesExtent, completions,
        1L << 30, Duration.ofHours(1), "forcing-journal");
    try (extent) {
      j.submit(batch(1), true, e -> { });
      assertThat(syncing.await(10, TimeUnit.SECONDS)).isTrue();
      Thread abandoning = new Thread(j::abandon, "abandoning");
      abandoning.start();
      awaitParkedIn(abandoning, Thread.class.getName(), "join");
      go.countDown();
      abandoning.join(10_000);
      assertThat(abandoning.isAlive()).isFalse();
      assertThat(extent.isOpen()).as("the extent file the sync forced").isTrue();
    } finally {
      go.countDown();
    }
  }

  private static Thread thread(String name) {
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name)).findFirst().orElseThrow();
  }

  /** Until {@code t} waits for a lock (not for a thread's end): bounded, and fails the test if it never does. */
  private static void awaitParkedOnLock(Thread t) {
    awaitParkedIn(t, ReentrantLock.class.getName(), "lock");
  }

  /** Until {@code t} waits inside {@code className.method}: bounded, and fails the test if it never does. */
  private static void awaitParkedIn(Thread t, String className, String method) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!(t.getState() == Thread.State.WAITING && Arrays.stream(t.getStackTrace())
        .anyMatch(f -> f.getClassName().equals(className) && f.getMethodName().equals(method)))) {
      assertThat(System.nanoTime()).as(t.getName() + " waiting in " + className + "." + method).isLessThan(deadline);
      Thread.onSpinWait();
    }
  }
}
