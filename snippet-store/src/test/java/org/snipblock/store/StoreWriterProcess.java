package org.snipblock.store;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.snipblock.block.BlockDevice;

/**
 * The child process of {@link KillNineTest}: runs a store under a random write load and reports
 * every request to its parent on stdout ("EV I key stamp first count", "EV C key fua",
 * "EV FI id", "EV FC id") until it is killed. Bounded by a count and a time limit of its own.
 */
public final class StoreWriterProcess {
  static final long VOLUME = 8L << 20;
  static final long SECTORS = VOLUME / SectorPattern.SECTOR;

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    Random rnd = new Random(Long.parseLong(args[1]));
    long stampBase = Long.parseLong(args[2]);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.parseLong(args[3]));
    PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false);
    SnippetStore store = SnippetStore.open(dir, StoreConfig.defaults().withCheckpoint(4 << 20,
        java.time.Duration.ofSeconds(1)));
    if (store.show("k9").isEmpty()) {
      store.create(new VolumeSpec("k9", VOLUME, 1 << 20, 512, true));
    }
    BlockDevice d = store.open("k9").orElseThrow();
    emit(out, "READY");
    AtomicIntegerArray busy = new AtomicIntegerArray((int) SECTORS);
    Semaphore window = new Semaphore(16);
    long key = 0;
    long flushId = 0;
    for (int op = 0; op < 1_000_000 && System.nanoTime() < deadline; op++) {
      window.acquire();
      if (rnd.nextInt(20) == 0) {
        long id = ++flushId;
        emit(out, "FI " + id);
        d.flush().whenComplete((v, e) -> {
          if (e == null) {
            emit(out, "FC " + id);
          }
          window.release();
        });
        continue;
      }
      int count = 1 + (rnd.nextInt(5) == 0 ? rnd.nextInt(256) : rnd.nextInt(16));
      long first = rnd.nextLong(SECTORS - count + 1);
      if (!claim(busy, first, count)) {
        window.release();
        continue;
      }
      long k = ++key;
      boolean fua = rnd.nextInt(10) == 0;
      boolean trim = rnd.nextInt(8) == 0;
      long stamp = trim ? 0 : stampBase + k;
      emit(out, "I " + k + " " + stamp + " " + first + " " + count);
      CompletableFuture<Void> f = trim
          ? d.trim(first * 512, count * 512L, fua)
          : d.write(first * 512, SectorPattern.fill(stamp, first, count), fua);
      f.whenComplete((v, e) -> {
        if (e == null) {
          emit(out, "C " + k + " " + (fua ? 1 : 0));
        }
        for (long s = first; s < first + count; s++) {
          busy.set((int) s, 0);
        }
        window.release();
      });
    }
    window.acquire(16);
    store.close();
    emit(out, "DONE");
  }

  private static boolean claim(AtomicIntegerArray busy, long first, int count) {
    for (long s = first; s < first + count; s++) {
      if (!busy.compareAndSet((int) s, 0, 1)) {
        for (long u = first; u < s; u++) {
          busy.set((int) u, 0);
        }
        return false;
      }
    }
    return true;
  }

  private static void emit(PrintStream out, String line) {
    synchronized (out) {
      out.println("EV " + line);
      out.flush();
    }
  }

  private StoreWriterProcess() {}
}
