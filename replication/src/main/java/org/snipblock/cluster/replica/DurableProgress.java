package org.snipblock.cluster.replica;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snipblock.block.DaemonThreads;

/**
 * One durable sequence number per volume (with the epoch it belongs to), kept in one small file
 * per volume: for a replica, the last flush it applied (everything before it is on stable storage),
 * so a restarted replica reports its progress truthfully (a lower bound) instead of nothing; for a
 * primary, how far it has reserved sequence numbers, so a restarted primary never hands one out
 * twice. Records are written off the data path, coalesced, each file replaced atomically; a record
 * of another incarnation of the volume (other uid) is ignored.
 */
public final class DurableProgress implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DurableProgress.class);
  private static final int BYTES = 3 * Long.BYTES + Integer.BYTES;

  record Entry(long uid, long epoch, long seq) {}

  private final Path dir;
  private final Map<String, Entry> pending = new LinkedHashMap<>();
  private final ExecutorService writer = Executors.newSingleThreadExecutor(DaemonThreads.named("replica-progress"));

  /** @param dir where the files live (created on first write) */
  public DurableProgress(Path dir) {
    this.dir = dir;
  }

  /** The last record of the volume, if it belongs to the incarnation with this uid. */
  Optional<Entry> load(String volume, long uid) {
    try {
      ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file(volume)));
      if (b.remaining() != BYTES) {
        throw new IOException("length " + b.remaining());
      }
      Entry e = new Entry(b.getLong(), b.getLong(), b.getLong());
      CRC32C crc = new CRC32C();
      crc.update(b.array(), 0, 3 * Long.BYTES);
      if ((int) crc.getValue() != b.getInt()) {
        throw new IOException("checksum mismatch");
      }
      return e.uid() == uid ? Optional.of(e) : Optional.empty();
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      log.warn("progress record of {} unreadable, ignored: {}", volume, e.toString());
      return Optional.empty();
    }
  }

  /**
   * Records the entry soon (a later record of the same volume replaces one not yet written); the
   * future completes once it (or a later one) is on disk.
   */
  CompletableFuture<Void> record(String volume, Entry e) {
    synchronized (pending) {
      pending.put(volume, e);
    }
    try {
      return CompletableFuture.runAsync(this::drain, writer);
    } catch (java.util.concurrent.RejectedExecutionException closed) {
      return CompletableFuture.failedFuture(closed);
    }
  }

  /** Drops the volume's record (the volume is gone). */
  public void forget(String volume) {
    CompletableFuture.runAsync(() -> {
      synchronized (pending) {
        pending.remove(volume);
      }
      try {
        Files.deleteIfExists(file(volume));
      } catch (IOException e) {
        log.warn("progress record of {} not deleted: {}", volume, e.toString());
      }
    }, writer);
  }

  private void drain() {
    Map<String, Entry> batch;
    synchronized (pending) {
      batch = new LinkedHashMap<>(pending);
      pending.clear();
    }
    java.io.UncheckedIOException failed = null;
    for (Map.Entry<String, Entry> e : batch.entrySet()) {
      try {
        write(e.getKey(), e.getValue());
      } catch (java.io.UncheckedIOException ex) {
        failed = ex;
      }
    }
    if (failed != null) {
      throw failed;
    }
  }

  private void write(String volume, Entry e) {
    ByteBuffer b = ByteBuffer.allocate(BYTES).putLong(e.uid()).putLong(e.epoch()).putLong(e.seq());
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, 3 * Long.BYTES);
    b.putInt((int) crc.getValue()).flip();
    Path target = file(volume);
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    try {
      Files.createDirectories(dir);
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        ch.write(b);
        ch.force(true);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException ex) {
      log.warn("progress record of {} not written: {}", volume, ex.toString());
      throw new java.io.UncheckedIOException(ex);
    }
  }

  private Path file(String volume) {
    return dir.resolve(volume + ".progress");
  }

  /** Writes what is pending (waiting a little for it), then stops. */
  @Override
  public void close() {
    writer.shutdown();
    try {
      if (!writer.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS)) {
        log.warn("progress records still pending at close");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
