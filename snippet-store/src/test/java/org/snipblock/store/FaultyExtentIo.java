package org.snipblock.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.snipblock.store.extent.ExtentIo;
import org.snipblock.store.extent.FileExtentIo;

/**
 * Extent files that remember every write not yet synced. {@link #powerLoss()} does to them what
 * a power cut does: each unsynced write is kept, lost, or torn (a random number of its first
 * 512-byte sectors reached the disk, the rest did not). From then on no write or sync reaches
 * the disk.
 */
final class FaultyExtentIo implements ExtentIo {
  private static final int SECTOR = 512;

  private record Unsynced(String name, long position, byte[] before, byte[] after) {}

  private final FileExtentIo files;
  private final Random random;
  private final List<Unsynced> unsynced = new ArrayList<>();
  private boolean dead;

  FaultyExtentIo(Path dir, Random random) throws IOException {
    this.files = new FileExtentIo(dir);
    this.random = random;
  }

  /**
   * The files after the process that wrote through {@code killed} was killed: what it had not
   * synced is still only in the page cache, and a power loss from now on can still lose it.
   */
  FaultyExtentIo(Path dir, Random random, FaultyExtentIo killed) throws IOException {
    this(dir, random);
    synchronized (killed) {
      unsynced.addAll(killed.unsynced);
    }
  }

  @Override
  public synchronized List<String> list() throws IOException {
    return files.list();
  }

  @Override
  public synchronized Channel open(String name) throws IOException {
    checkAlive();
    return new Faulty(name, files.open(name));
  }

  @Override
  public synchronized void delete(String name) throws IOException {
    checkAlive();
    files.delete(name);
  }

  /** Writes to files named {@code *suffix} that no sync has forced yet. */
  synchronized long unsyncedWrites(String suffix) {
    return unsynced.stream().filter(u -> u.name().endsWith(suffix)).count();
  }

  /** Cuts power: unsynced writes are kept, lost or torn, newest undone first. */
  synchronized void powerLoss() throws IOException {
    dead = true;
    for (int i = unsynced.size() - 1; i >= 0; i--) {
      Unsynced u = unsynced.get(i);
      int fate = random.nextInt(3);
      if (fate == 0) {
        continue;
      }
      byte[] result = u.before().clone();
      if (fate == 2) {
        int sectors = u.after().length / SECTOR;
        int kept = random.nextInt(sectors + 1) * SECTOR;
        System.arraycopy(u.after(), 0, result, 0, kept);
      }
      try (FileChannel ch = FileChannel.open(files.pathOf(u.name()), StandardOpenOption.WRITE)) {
        ByteBuffer b = ByteBuffer.wrap(result);
        long at = u.position();
        while (b.hasRemaining()) {
          at += ch.write(b, at);
        }
        ch.force(false);
      }
    }
    unsynced.clear();
  }

  private void checkAlive() throws IOException {
    if (dead) {
      throw new IOException("power is off");
    }
  }

  private final class Faulty implements Channel {
    private final String name;
    private final Channel real;

    Faulty(String name, Channel real) {
      this.name = name;
      this.real = real;
    }

    @Override
    public void write(ByteBuffer src, long position) throws IOException {
      synchronized (FaultyExtentIo.this) {
        checkAlive();
        byte[] before = new byte[src.remaining()];
        real.read(ByteBuffer.wrap(before), position);
        byte[] after = new byte[src.remaining()];
        src.duplicate().get(after);
        real.write(src, position);
        unsynced.add(new Unsynced(name, position, before, after));
      }
    }

    @Override
    public void read(ByteBuffer dst, long position) throws IOException {
      real.read(dst, position);
    }

    @Override
    public void sync() throws IOException {
      synchronized (FaultyExtentIo.this) {
        checkAlive();
        real.sync();
        unsynced.removeIf(u -> u.name().equals(name));
      }
    }

    @Override
    public void punch(long position, long length) throws IOException {
      synchronized (FaultyExtentIo.this) {
        checkAlive();
        real.punch(position, length);
      }
    }

    @Override
    public void truncate(long size) throws IOException {
      synchronized (FaultyExtentIo.this) {
        checkAlive();
        real.truncate(size);
      }
    }

    @Override
    public long size() throws IOException {
      return real.size();
    }

    @Override
    public void close() throws IOException {
      real.close();
    }
  }
}
