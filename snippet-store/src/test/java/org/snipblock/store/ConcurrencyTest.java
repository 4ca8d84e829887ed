package org.snipblock.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.BlockDevice;

class ConcurrencyTest {
  @TempDir Path dir;

  /**
   * Several threads keep many writes and reads in flight, each thread on its own interleaved set
   * of 4 KiB slots (so neighbours share chunks and stripes); every read must see the thread's
   * last completed write of that slot, and the final image must match.
   */
  @Test
  void manyRequestsInFlightFromSeveralThreads() throws Exception {
    try (SnippetStore store = SnippetStore.open(dir, StoreConfig.defaults().withIoThreads(4))) {
      store.create(new VolumeSpec("cc", 8 << 20, 256 << 10, 512, true));
      BlockDevice d = store.open("cc").orElseThrow();
      int threads = 4;
      int slots = (8 << 20) / 2048;
      java.util.concurrent.atomic.AtomicLongArray[] last = new java.util.concurrent.atomic.AtomicLongArray[threads];
      for (int t = 0; t < threads; t++) {
        last[t] = new java.util.concurrent.atomic.AtomicLongArray(slots);
      }
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int me = t;
        done.add(pool.submit(() -> {
          Random rnd = new Random(me);
          List<CompletableFuture<Void>> inFlight = new ArrayList<>();
          java.util.concurrent.atomic.AtomicIntegerArray busy = new java.util.concurrent.atomic.AtomicIntegerArray(slots);
          for (int i = 0; i < 400; i++) {
            int slot = rnd.nextInt(slots / threads) * threads + me;
            if (!busy.compareAndSet(slot, 0, 1)) {
              continue;
            }
            long off = (long) slot * 2048;
            if (rnd.nextInt(3) == 0) {
              ByteBuffer got = ByteBuffer.allocate(2048);
              long expect = last[me].get(slot);
              inFlight.add(d.read(off, got).thenRun(() -> {
                long stamp = SectorPattern.stampOf(got, 0, off / 512);
                assertThat(stamp).isEqualTo(expect);
                busy.set(slot, 0);
              }));
            } else {
              long stamp = ((long) me << 32) | (i + 1);
              inFlight.add(d.write(off, SectorPattern.fill(stamp, off / 512, 4), rnd.nextInt(10) == 0)
                  .thenRun(() -> {
                    last[me].set(slot, stamp);
                    busy.set(slot, 0);
                  }));
            }
            if (inFlight.size() >= 32) {
              CompletableFuture.allOf(inFlight.toArray(new CompletableFuture<?>[0])).join();
              inFlight.clear();
            }
          }
          CompletableFuture.allOf(inFlight.toArray(new CompletableFuture<?>[0])).join();
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(120, TimeUnit.SECONDS);
      }
      pool.shutdown();
      ByteBuffer all = ByteBuffer.allocate(8 << 20);
      d.read(0, all).get(30, TimeUnit.SECONDS);
      for (int slot = 0; slot < slots; slot++) {
        long stamp = SectorPattern.stampOf(all, slot * 2048, slot * 4L);
        assertThat(stamp).as("slot %d", slot).isEqualTo(last[slot % threads].get(slot));
      }
    }
  }

  /** Compare-and-write used as a counter from many requests at once: no increment may be lost. */
  @Test
  void compareAndWriteIsAtomicAgainstOtherWrites() throws Exception {
    try (SnippetStore store = SnippetStore.open(dir, StoreConfig.defaults().withIoThreads(4))) {
      store.create(VolumeSpec.of("lock", 1 << 20));
      BlockDevice d = store.open("lock").orElseThrow();
      int workers = 8;
      int perWorker = 25;
      List<CompletableFuture<Void>> all = new ArrayList<>();
      for (int w = 0; w < workers; w++) {
        all.add(increment(d, perWorker, 0));
      }
      // plain writes to the neighbouring sectors of the same chunk must not disturb the counter
      for (int i = 0; i < 50; i++) {
        all.add(d.write(512 + (i % 7) * 512L, ByteBuffer.allocate(512).putLong(0, i), false));
      }
      CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).get(120, TimeUnit.SECONDS);
      ByteBuffer b = ByteBuffer.allocate(512);
      d.read(0, b).get(10, TimeUnit.SECONDS);
      assertThat(b.getLong(0)).isEqualTo((long) workers * perWorker);
    }
  }

  private static CompletableFuture<Void> increment(BlockDevice d, int left, long guess) {
    if (left == 0) {
      return CompletableFuture.completedFuture(null);
    }
    ByteBuffer expected = ByteBuffer.allocate(512).putLong(0, guess);
    ByteBuffer next = ByteBuffer.allocate(512).putLong(0, guess + 1);
    return d.compareAndWrite(0, expected, next, false).thenCompose(r -> {
      if (r == -1) {
        return increment(d, left - 1, guess + 1);
      }
      ByteBuffer now = ByteBuffer.allocate(512);
      return d.read(0, now).thenCompose(x -> increment(d, left, now.getLong(0)));
    });
  }
}
