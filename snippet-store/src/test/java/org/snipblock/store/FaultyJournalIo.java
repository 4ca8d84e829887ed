package org.snipblock.store;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.snipblock.store.journal.FileJournalIo;
import org.snipblock.store.journal.JournalIo;

/**
 * Journal files that remember how much of each segment was synced. {@link #powerLoss()} does to
 * the files what a power cut does: everything after the last sync is lost, except a random prefix
 * that the page cache happened to write back, possibly with a torn, garbled end. From then on no
 * write or sync reaches the disk.
 */
final class FaultyJournalIo implements JournalIo {
  private final FileJournalIo files;
  private final Random random;
  private final Map<Long, Segment> open = new HashMap<>();
  private boolean dead;
  private boolean refuseDeletes;
  /** Segments created so far: a roll creates one, then checkpoints and deletes the older ones. */
  private long created;
  private long refusalAfter = Long.MAX_VALUE;
  private CompletableFuture<Void> refusal = new CompletableFuture<>();
  private CountDownLatch syncGate = new CountDownLatch(0);
  private CompletableFuture<Void> syncWaiting = new CompletableFuture<>();

  FaultyJournalIo(Path dir, Random random) throws IOException {
    this.files = new FileJournalIo(dir);
    this.random = random;
  }

  /**
   * Journal files whose power cut loses every unsynced byte and nothing else: one exact outcome,
   * for a test that needs the unsynced tail gone (the page cache wrote none of it back).
   */
  static FaultyJournalIo losingTheWholeUnsyncedTail(Path dir) throws IOException {
    return new FaultyJournalIo(dir, new Random() {
      @Override
      public int nextInt(int bound) {
        // powerLoss keeps a prefix of the tail only when nextInt(3) is 0
        return bound - 1;
      }
    });
  }

  @Override
  public synchronized List<Long> segments() throws IOException {
    return files.segments();
  }

  @Override
  public synchronized SegmentWriter create(long firstSeq) throws IOException {
    checkAlive();
    created++;
    Path p = files.pathOf(firstSeq);
    FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    Segment s = new Segment(p, ch);
    open.put(firstSeq, s);
    return s;
  }

  @Override
  public synchronized InputStream read(long firstSeq) throws IOException {
    return new ByteArrayInputStream(Files.readAllBytes(files.pathOf(firstSeq)));
  }

  @Override
  public synchronized void delete(List<Long> firstSeqs) throws IOException {
    checkAlive();
    if (refuseDeletes && !firstSeqs.isEmpty()) {
      if (created > refusalAfter) {
        refusal.complete(null);
      }
      throw new IOException("deleting journal segments refused");
    }
    for (long s : firstSeqs) {
      open.remove(s);
    }
    files.delete(firstSeqs);
  }

  /**
   * From now on every delete of segments fails: the checkpoint before it ran to its end, and the
   * segments stay, as a crash between the two leaves them.
   */
  synchronized void refuseDeletes() {
    refuseDeletes = true;
  }

  /**
   * Completes when a delete is refused after the next roll: the checkpoint refused began after
   * everything the caller did before this call (a roll waits for the previous checkpoint to end).
   */
  synchronized CompletableFuture<Void> refusalAfterNextRoll() {
    refusalAfter = created;
    refusal = new CompletableFuture<>();
    return refusal;
  }

  /** Whether the journal rolled since {@link #refusalAfterNextRoll} was called. */
  synchronized boolean rolledSince() {
    return created > refusalAfter;
  }

  /**
   * From now on every sync waits until {@link #releaseSyncs} (a minute at most, then it fails): a
   * commit stays inside whatever lock its caller holds. Completes once a sync is waiting.
   */
  synchronized CompletableFuture<Void> holdSyncs() {
    syncGate = new CountDownLatch(1);
    syncWaiting = new CompletableFuture<>();
    return syncWaiting;
  }

  /** Lets the held syncs, and every later one, go on. */
  synchronized void releaseSyncs() {
    syncGate.countDown();
  }

  private void awaitSyncGate() throws IOException {
    CountDownLatch gate;
    synchronized (this) {
      gate = syncGate;
      if (gate.getCount() > 0) {
        syncWaiting.complete(null);
      }
    }
    try {
      if (!gate.await(1, TimeUnit.MINUTES)) {
        throw new IOException("sync held for a minute: the test never released it");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while the sync was held");
    }
  }

  /** Cuts power: unsynced bytes are lost (some may survive, the last of them possibly torn). */
  synchronized void powerLoss() throws IOException {
    dead = true;
    for (Segment s : open.values()) {
      long unsynced = s.size - s.synced;
      long keep = s.synced;
      if (unsynced > 0 && random.nextInt(3) == 0) {
        keep += random.nextLong(unsynced + 1);
      }
      try (FileChannel ch = FileChannel.open(s.path, StandardOpenOption.WRITE)) {
        ch.truncate(keep);
        if (keep > s.synced && random.nextBoolean()) {
          long at = s.synced + random.nextLong(keep - s.synced);
          ch.write(ByteBuffer.wrap(new byte[] {(byte) random.nextInt()}), at);
        }
        ch.force(false);
      }
      s.ch.close();
    }
    open.clear();
  }

  private void checkAlive() throws IOException {
    if (dead) {
      throw new IOException("power is off");
    }
  }

  private final class Segment implements SegmentWriter {
    final Path path;
    final FileChannel ch;
    long size;
    long synced;

    Segment(Path path, FileChannel ch) {
      this.path = path;
      this.ch = ch;
    }

    @Override
    public void append(ByteBuffer data) throws IOException {
      synchronized (FaultyJournalIo.this) {
        checkAlive();
        while (data.hasRemaining()) {
          size += ch.write(data, size);
        }
      }
    }

    @Override
    public void sync() throws IOException {
      // Outside the monitor: appends go on while a sync is held, as they do beside a slow fsync.
      awaitSyncGate();
      synchronized (FaultyJournalIo.this) {
        checkAlive();
        ch.force(false);
        synced = size;
      }
    }

    @Override
    public long size() {
      synchronized (FaultyJournalIo.this) {
        return size;
      }
    }

    @Override
    public void truncate(long newSize) throws IOException {
      synchronized (FaultyJournalIo.this) {
        checkAlive();
        ch.truncate(newSize);
        size = newSize;
        synced = Math.min(synced, newSize);
      }
    }

    @Override
    public void close() throws IOException {
      synchronized (FaultyJournalIo.this) {
        if (!dead) {
          ch.close();
        }
      }
    }
  }
}
