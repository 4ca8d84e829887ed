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

  /**
   * Whole-chunk writes (which may run on the caller's thread) mixed with partial writes and trims
   * (read-modify-write on an I/O thread) of neighbouring chunks, from several threads: each thread
   * owns every fourth chunk and keeps one request per chunk in flight; reads and the final image
   * must show, sector by sector, exactly the last completed request.
   */
  @Test
  void wholeChunkAndPartialWritesOfNeighbouringChunks() throws Exception {
    int chunks = 1024;
    int sectorsPerChunk = 8;
    try (SnippetStore store = SnippetStore.open(dir, StoreConfig.defaults().withIoThreads(3))) {
      store.create(new VolumeSpec("mix", (long) chunks * 4096, 256 << 10, 512, true));
      BlockDevice d = store.open("mix").orElseThrow();
      int threads = 4;
      java.util.concurrent.atomic.AtomicLongArray expect =
          new java.util.concurrent.atomic.AtomicLongArray(chunks * sectorsPerChunk);
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int me = t;
        done.add(pool.submit(() -> {
          Random rnd = new Random(100 + me);
          java.util.concurrent.atomic.AtomicIntegerArray busy =
              new java.util.concurrent.atomic.AtomicIntegerArray(chunks);
          List<CompletableFuture<Void>> inFlight = new ArrayList<>();
          for (int i = 0; i < 1500; i++) {
            int chunk = rnd.nextInt(chunks / threads) * threads + me;
            if (!busy.compareAndSet(chunk, 0, 1)) {
              continue;
            }
            int kind = rnd.nextInt(10);
            int first = kind < 5 ? 0 : rnd.nextInt(sectorsPerChunk);
            int count = kind < 5 ? sectorsPerChunk : 1 + rnd.nextInt(sectorsPerChunk - first);
            long sector = (long) chunk * sectorsPerChunk + first;
            long stamp = kind == 9 ? 0 : ((long) (me + 1) << 32) | (i + 1);
            CompletableFuture<Void> f;
            if (kind == 8) {
              ByteBuffer got = ByteBuffer.allocate(4096);
              long base = (long) chunk * sectorsPerChunk;
              f = d.read(base * 512, got).thenRun(() -> {
                for (int s = 0; s < sectorsPerChunk; s++) {
                  assertThat(SectorPattern.stampOf(got, s * 512, base + s))
                      .as("sector %d", base + s).isEqualTo(expect.get((int) (base + s)));
                }
              });
            } else if (stamp == 0) {
              f = d.trim(sector * 512, count * 512L, false).thenRun(() -> record(expect, sector, count, 0));
            } else {
              f = d.write(sector * 512, SectorPattern.fill(stamp, sector, count), rnd.nextInt(10) == 0)
                  .thenRun(() -> record(expect, sector, count, stamp));
            }
            inFlight.add(f.whenComplete((v, e) -> busy.set(chunk, 0)));
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
      ByteBuffer all = ByteBuffer.allocate(chunks * 4096);
      d.read(0, all).get(30, TimeUnit.SECONDS);
      for (int s = 0; s < chunks * sectorsPerChunk; s++) {
        assertThat(SectorPattern.stampOf(all, s * 512, s)).as("sector %d", s).isEqualTo(expect.get(s));
      }
      assertThat(store.show("mix").orElseThrow().checksumErrors()).isZero();
    }
  }

  private static void record(java.util.concurrent.atomic.AtomicLongArray expect, long sector, int count,
      long stamp) {
    for (int s = 0; s < count; s++) {
      expect.set((int) (sector + s), stamp);
    }
  }

  /** Compare-and-write used as a counter from many requests at once: no increment may be lost. */
  /**
   * Overwrites rewrite a chunk in its own slot, and reads take no lock: a read that meets a chunk
   * half rewritten must look again under its stripe, never report a checksum error or return a
   * mix of two versions.
   */
  @Test
  void readsOfChunksBeingRewrittenInPlaceSeeWholeVersions() throws Exception {
    try (SnippetStore store = SnippetStore.open(dir, StoreConfig.defaults().withIoThreads(2))) {
      store.create(new VolumeSpec("hot", 1 << 20, 0, 512, false));
      BlockDevice d = store.open("hot").orElseThrow();
      int chunks = 4;
      for (int c = 0; c < chunks; c++) {
        d.write((long) c * 4096, ByteBuffer.wrap(filled(1)), false).get(10, TimeUnit.SECONDS);
      }
      ExecutorService pool = Executors.newFixedThreadPool(3);
      try {
        Future<?> writer = pool.submit(() -> {
          for (int i = 2; i < 3000; i++) {
            d.write((long) (i % chunks) * 4096, ByteBuffer.wrap(filled(i)), false).get(10, TimeUnit.SECONDS);
          }
          return null;
        });
        List<Future<Integer>> readers = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
          int me = r;
          readers.add(pool.submit(() -> {
            int mixed = 0;
            for (int i = 0; i < 6000 && !writer.isDone(); i++) {
              ByteBuffer got = ByteBuffer.allocate(4096);
              d.read((long) ((i + me) % chunks) * 4096, got).get(10, TimeUnit.SECONDS);
              byte[] b = got.array();
              for (byte x : b) {
                if (x != b[0]) {
                  mixed++;
                  break;
                }
              }
            }
            return mixed;
          }));
        }
        writer.get(120, TimeUnit.SECONDS);
        for (Future<Integer> r : readers) {
          assertThat(r.get(120, TimeUnit.SECONDS)).as("reads that mixed two versions").isZero();
        }
      } finally {
        pool.shutdownNow();
      }
      assertThat(store.show("hot").orElseThrow().checksumErrors()).isZero();
    }
  }

  private static byte[] filled(int version) {
    byte[] b = new byte[4096];
    java.util.Arrays.fill(b, (byte) (version % 250 + 1));
    return b;
  }

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
