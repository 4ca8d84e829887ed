package org.snipblock.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.block.BlockDeviceException.Kind;
import org.snipblock.block.Extent;
import org.snipblock.store.VolumeAdminException.Reason;

class SnippetStoreTest {
  private static final long MiB = 1 << 20;

  @TempDir Path dir;
  SnippetStore store;
  @RegisterExtension final TempStore temp = new TempStore(() -> dir, opened -> store = opened);

  /**
   * A close waits for an admin step already running on another thread (labels following a
   * placement): the step still reads the database, which a close that went ahead would have shut
   * under it (a crash inside RocksDB). Steps that start after the close are refused.
   */
  @Test
  void aCloseWaitsForARunningAdminStepBeforeItClosesTheDatabase() throws Exception {
    store.create(new VolumeSpec("v", 1 << 20, 1 << 20, 512, false));
    java.util.concurrent.CountDownLatch inside = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch goOn = new java.util.concurrent.CountDownLatch(1);
    CompletableFuture<byte[]> step = CompletableFuture.supplyAsync(() -> store.underAdminLock(() -> {
      inside.countDown();
      try {
        assertThat(goOn.await(30, TimeUnit.SECONDS)).isTrue();
        return store.db().get(org.snipblock.store.journal.JournalBatch.Space.CATALOG, "v".getBytes());
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }));
    assertThat(inside.await(30, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<Void> closing = CompletableFuture.runAsync(store::close);
    assertThatThrownBy(() -> closing.get(300, TimeUnit.MILLISECONDS)).as("the close waits for the step")
        .isInstanceOf(java.util.concurrent.TimeoutException.class);
    goOn.countDown();
    await(step);
    await(closing);
    assertThatThrownBy(() -> store.underAdminLock(() -> null)).hasMessageContaining("closed");
  }

  static <T> T await(CompletableFuture<T> f) throws Exception {
    return f.get(30, TimeUnit.SECONDS);
  }

  static Kind failure(CompletableFuture<?> f) throws Exception {
    try {
      f.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return BlockDeviceException.kindOf(e.getCause());
    }
    throw new AssertionError("expected the request to fail");
  }

  static ByteBuffer random(int len, long seed) {
    byte[] b = new byte[len];
    new Random(seed).nextBytes(b);
    return ByteBuffer.wrap(b);
  }

  static ByteBuffer read(BlockDevice d, long off, int len) throws Exception {
    ByteBuffer b = ByteBuffer.allocate(len);
    await(d.read(off, b));
    assertThat(b.remaining()).isZero();
    return b.flip();
  }

  @Test
  void createsListsShowsResizesAndDeletesVolumes() {
    VolumeInfo a = store.create(new VolumeSpec("vol-a", 64 * MiB, 0, 512, false));
    assertThat(a.snippetSize()).isEqualTo(StoreConfig.DEFAULT_SNIPPET_SIZE);
    assertThat(a.snippets()).isEqualTo(16);
    assertThat(a.usedBytes()).isZero();
    store.create(new VolumeSpec("vol.b_1", 10 * MiB, 1 << 20, 4096, true));
    assertThat(store.list()).extracting(VolumeInfo::name).containsExactly("vol-a", "vol.b_1");
    assertThat(store.names()).containsExactly("vol-a", "vol.b_1");
    assertThat(store.show("vol.b_1").orElseThrow().compression()).isTrue();
    assertThat(store.show("vol.b_1").orElseThrow().blockSize()).isEqualTo(4096);
    assertThat(store.show("nope")).isEmpty();

    VolumeInfo grown = store.resize("vol-a", 100 * MiB);
    assertThat(grown.provisionedBytes()).isEqualTo(100 * MiB);
    assertThat(grown.snippets()).isEqualTo(25);
    assertThat(store.labelIndex().labels("vol-a")).hasSize(25);
    assertThatThrownBy(() -> store.resize("vol-a", 50 * MiB))
        .isInstanceOfSatisfying(VolumeAdminException.class, e -> assertThat(e.reason()).isEqualTo(Reason.FAILED_PRECONDITION))
        .hasMessageContaining("shrink");

    store.delete("vol-a");
    assertThat(store.names()).containsExactly("vol.b_1");
    assertThat(store.open("vol-a")).isEmpty();
    assertThatThrownBy(() -> store.delete("vol-a"))
        .isInstanceOfSatisfying(VolumeAdminException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND));
  }

  @Test
  void refusesBadVolumeRequestsWithClearErrors() {
    for (String bad : new String[] {"", "Upper", "-dash", "a b", "x".repeat(64), "iqn:colon", "../etc"}) {
      assertThatThrownBy(() -> store.create(VolumeSpec.of(bad, MiB)))
          .as(bad).isInstanceOfSatisfying(VolumeAdminException.class,
              e -> assertThat(e.reason()).isEqualTo(Reason.INVALID_ARGUMENT));
    }
    assertThatThrownBy(() -> store.create(VolumeSpec.of("ok", 0))).hasMessageContaining("size");
    assertThatThrownBy(() -> store.create(VolumeSpec.of("ok", 1000))).hasMessageContaining("4096");
    assertThatThrownBy(() -> store.create(VolumeSpec.of("ok", 1L << 50))).hasMessageContaining("maximum");
    assertThatThrownBy(() -> store.create(new VolumeSpec("ok", MiB, 3000, 512, false))).hasMessageContaining("snippet size");
    assertThatThrownBy(() -> store.create(new VolumeSpec("ok", MiB, 0, 1024, false))).hasMessageContaining("block size");
    store.create(VolumeSpec.of("ok", MiB));
    assertThatThrownBy(() -> store.create(VolumeSpec.of("ok", MiB)))
        .isInstanceOfSatisfying(VolumeAdminException.class, e -> assertThat(e.reason()).isEqualTo(Reason.ALREADY_EXISTS));
    assertThat(store.list()).hasSize(1);
  }

  @Test
  void writesReadBackAndUnwrittenRangesReadAsZeroes() throws Exception {
    store.create(VolumeSpec.of("v", 16 * MiB));
    BlockDevice d = store.open("v").orElseThrow();
    assertThat(read(d, 0, 8192)).isEqualTo(ByteBuffer.allocate(8192));
    ByteBuffer data = random(1536, 1);
    await(d.write(512, data.duplicate(), false));
    ByteBuffer got = read(d, 0, 4096);
    assertThat(got.slice(512, 1536)).isEqualTo(data);
    assertThat(got.slice(0, 512)).isEqualTo(ByteBuffer.allocate(512));
    assertThat(got.slice(2048, 2048)).isEqualTo(ByteBuffer.allocate(2048));
    ByteBuffer big = random((int) (3 * MiB + 512), 2);
    await(d.write(5 * MiB - 512, big.duplicate(), true));
    assertThat(read(d, 5 * MiB - 512, big.capacity())).isEqualTo(big);
    assertThat(d.uniqueId()).isEqualTo(store.show("v").orElseThrow().id());
  }

  @Test
  void dataSurvivesCloseAndReopen() throws Exception {
    store.create(new VolumeSpec("v", 8 * MiB, 0, 4096, true));
    BlockDevice d = store.open("v").orElseThrow();
    ByteBuffer data = random((int) MiB, 3);
    await(d.write(MiB, data.duplicate(), false));
    await(d.flush());
    VolumeInfo before = store.show("v").orElseThrow();
    temp.reopen();
    BlockDevice again = store.open("v").orElseThrow();
    assertThat(read(again, MiB, (int) MiB)).isEqualTo(data);
    assertThat(again.blockSize()).isEqualTo(4096);
    assertThat(store.show("v").orElseThrow()).isEqualTo(before);
  }

  @Test
  void thinProvisioningUsesSpaceOnlyForWrittenDataAndTrimGivesItBack() throws Exception {
    store.create(VolumeSpec.of("thin", 64 * MiB));
    BlockDevice d = store.open("thin").orElseThrow();
    assertThat(await(d.allocation(0, 64 * MiB))).containsExactly(Extent.hole(0, 64 * MiB));
    await(d.write(4 * MiB, random((int) (2 * MiB), 4), false));
    assertThat(store.show("thin").orElseThrow().usedBytes()).isEqualTo(2 * MiB);
    assertThat(await(d.allocation(0, 64 * MiB))).containsExactly(
        Extent.hole(0, 4 * MiB), Extent.data(4 * MiB, 2 * MiB), Extent.hole(6 * MiB, 58 * MiB));

    await(d.trim(4 * MiB, MiB, false));
    assertThat(store.show("thin").orElseThrow().usedBytes()).isEqualTo(MiB);
    assertThat(read(d, 4 * MiB, (int) MiB)).isEqualTo(ByteBuffer.allocate((int) MiB));
    assertThat(await(d.allocation(4 * MiB, 2 * MiB))).containsExactly(
        Extent.hole(4 * MiB, MiB), Extent.data(5 * MiB, MiB));

    // zeroing without unmap keeps the space allocated but reads zeroes
    await(d.writeZeroes(5 * MiB, 512 * 1024, false, false));
    assertThat(read(d, 5 * MiB, 512 * 1024)).isEqualTo(ByteBuffer.allocate(512 * 1024));
    assertThat(store.show("thin").orElseThrow().usedBytes()).isEqualTo(MiB);
    assertThat(await(d.allocation(5 * MiB, MiB))).containsExactly(
        new Extent(5 * MiB, 512 * 1024, false, true), Extent.data(5 * MiB + 512 * 1024, 512 * 1024));

    // zeroing with unmap gives it back
    await(d.writeZeroes(5 * MiB, MiB, true, true));
    assertThat(store.show("thin").orElseThrow().usedBytes()).isZero();
    assertThat(await(d.allocation(0, 64 * MiB))).containsExactly(Extent.hole(0, 64 * MiB));

    // a partial-chunk trim zeroes just those bytes
    ByteBuffer data = random(8192, 5);
    await(d.write(0, data.duplicate(), false));
    await(d.trim(512, 1024, false));
    ByteBuffer want = data.duplicate();
    want.put(512, new byte[1024]);
    assertThat(read(d, 0, 8192)).isEqualTo(want);
  }

  @Test
  void trimGivesDiskSpaceBack() throws Exception {
    store.create(VolumeSpec.of("big", 256 * MiB));
    BlockDevice d = store.open("big").orElseThrow();
    for (int i = 0; i < 4; i++) {
      await(d.write(i * 16 * MiB, random((int) (16 * MiB), i), false));
    }
    await(d.flush());
    long full = diskBytes(dir.resolve("extents"));
    assertThat(full).isGreaterThan(60 * MiB);
    await(d.trim(0, 256 * MiB, true));
    assertThat(store.stats().usedBytes()).isZero();
    // Freed slots are punched once no journal record can name them: at the latest when the store opens.
    temp.reopen();
    assertThat(diskBytes(dir.resolve("extents"))).isLessThan(full / 10);
    assertThat(store.stats().usedBytes()).isZero();
  }

  /** Bytes the file system has allocated under {@code dir} (du), holes not counted. */
  static long diskBytes(Path dir) throws Exception {
    Process p = new ProcessBuilder("du", "-s", "--block-size=1", dir.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return Long.parseLong(out.trim().split("\\s+")[0]);
  }

  /**
   * Reads land in the caller's buffer as they are, from its position on, whatever it held before
   * (the doors pass pooled buffers that are not zeroed): data, holes, allocated zeroes and
   * compressed chunks, small reads (on the caller's thread) and large ones (on an I/O thread),
   * whole chunks (decoded in place) and partial ones.
   */
  @Test
  void readsFillTheCallersBufferWhateverItHeld() throws Exception {
    for (boolean compress : List.of(false, true)) {
      String name = compress ? "lz" : "raw";
      store.create(new VolumeSpec(name, 8 * MiB, 0, 512, compress));
      BlockDevice d = store.open(name).orElseThrow();
      int chunk = 4096;
      byte[] image = new byte[32 * chunk];
      ByteBuffer data = random(chunk, 3);
      data.duplicate().get(image, 0, chunk);
      await(d.write(0, data, false));
      // chunk 1 never written; chunk 2 allocated zeroes; chunk 3 compressible
      await(d.writeZeroes(2L * chunk, chunk, false, false));
      byte[] text = "abcdefgh".repeat(chunk / 8).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      System.arraycopy(text, 0, image, 3 * chunk, chunk);
      await(d.write(3L * chunk, ByteBuffer.wrap(text), false));
      ByteBuffer tail = random(12 * chunk, 4);
      tail.duplicate().get(image, 20 * chunk, 12 * chunk);
      await(d.write(20L * chunk, tail, false));

      long[][] ranges = {{0, 4 * chunk}, {0, 32 * chunk}, {512, 3 * chunk}, {chunk - 512, 1024},
          {3L * chunk, 20 * chunk}};
      for (long[] r : ranges) {
        int len = (int) r[1];
        for (ByteBuffer b : List.of(ByteBuffer.allocateDirect(len + 100), ByteBuffer.allocate(len + 100))) {
          while (b.hasRemaining()) {
            b.put((byte) 0x5a);
          }
          b.position(37).limit(37 + len);
          await(d.read(r[0], b));
          assertThat(b.position()).as("%s read %s", name, r[0]).isEqualTo(37 + len);
          assertThat(b.get(36)).isEqualTo((byte) 0x5a);
          assertThat(b.slice(37, len))
              .as("%s read of %d bytes at %d", name, len, r[0])
              .isEqualTo(ByteBuffer.wrap(image, (int) r[0], len));
        }
      }
    }
  }

  @Test
  void compressionStoresLessAndReadsTheSame() throws Exception {
    store.create(new VolumeSpec("lz", 8 * MiB, 0, 512, true));
    store.create(new VolumeSpec("raw", 8 * MiB, 0, 512, false));
    ByteBuffer text = ByteBuffer.wrap("snipblock compresses repetitive data well. ".repeat(50_000)
        .substring(0, (int) (2 * MiB)).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    for (String n : List.of("lz", "raw")) {
      BlockDevice d = store.open(n).orElseThrow();
      await(d.write(0, text.duplicate(), false));
      assertThat(read(d, 0, (int) (2 * MiB))).isEqualTo(text);
    }
    VolumeInfo lz = store.show("lz").orElseThrow();
    VolumeInfo raw = store.show("raw").orElseThrow();
    assertThat(lz.usedBytes()).isEqualTo(raw.usedBytes()).isEqualTo(2 * MiB);
    assertThat(lz.storedBytes()).isLessThan(raw.storedBytes() / 4);
  }

  @Test
  void badRequestsFailWithTheRightKindAndChangeNothing() throws Exception {
    store.create(VolumeSpec.of("v", MiB));
    BlockDevice d = store.open("v").orElseThrow();
    await(d.write(0, random(4096, 6), false));
    assertThat(failure(d.write(MiB, ByteBuffer.allocate(512), false))).isEqualTo(Kind.OUT_OF_RANGE);
    assertThat(failure(d.write(MiB - 512, ByteBuffer.allocate(1024), false))).isEqualTo(Kind.OUT_OF_RANGE);
    assertThat(failure(d.read(-512, ByteBuffer.allocate(512)))).isEqualTo(Kind.INVALID);
    assertThat(failure(d.write(100, ByteBuffer.allocate(512), false))).isEqualTo(Kind.INVALID);
    assertThat(failure(d.write(0, ByteBuffer.allocate(100), false))).isEqualTo(Kind.INVALID);
    assertThat(failure(d.trim(0, 1000, false))).isEqualTo(Kind.INVALID);
    assertThat(failure(d.trim(512, MiB, false))).isEqualTo(Kind.OUT_OF_RANGE);
    assertThat(failure(d.allocation(0, 2 * MiB))).isEqualTo(Kind.OUT_OF_RANGE);
    assertThat(failure(d.compareAndWrite(0, ByteBuffer.allocate(512), ByteBuffer.allocate(1024), false)))
        .isEqualTo(Kind.INVALID);
    store.create(VolumeSpec.of("huge", 1L << 30));
    BlockDevice h = store.open("huge").orElseThrow();
    assertThat(failure(h.write(0, ByteBuffer.allocate(VolumeDevice.MAX_IO_BYTES + 512), false))).isEqualTo(Kind.INVALID);
    assertThat(read(d, 0, 4096)).isEqualTo(random(4096, 6));
    assertThat(store.show("v").orElseThrow().usedBytes()).isEqualTo(4096);
  }

  @Test
  void deletedVolumeAndClosedHandleFailUnavailable() throws Exception {
    store.create(VolumeSpec.of("gone", MiB));
    BlockDevice d = store.open("gone").orElseThrow();
    BlockDevice closed = store.open("gone").orElseThrow();
    closed.close();
    assertThat(failure(closed.read(0, ByteBuffer.allocate(512)))).isEqualTo(Kind.UNAVAILABLE);
    await(d.write(0, random(4096, 7), false));
    store.delete("gone");
    assertThat(failure(d.read(0, ByteBuffer.allocate(512)))).isEqualTo(Kind.UNAVAILABLE);
    assertThat(failure(d.write(0, ByteBuffer.allocate(512), false))).isEqualTo(Kind.UNAVAILABLE);
    // a new volume of the same name starts empty: the old blocks are really gone
    store.create(VolumeSpec.of("gone", MiB));
    BlockDevice fresh = store.open("gone").orElseThrow();
    assertThat(read(fresh, 0, 4096)).isEqualTo(ByteBuffer.allocate(4096));
    assertThat(store.show("gone").orElseThrow().usedBytes()).isZero();
  }

  @Test
  void compareAndWriteWritesOnlyOnMatch() throws Exception {
    store.create(VolumeSpec.of("caw", MiB));
    BlockDevice d = store.open("caw").orElseThrow();
    ByteBuffer a = random(512, 8);
    ByteBuffer b = random(512, 9);
    assertThat(await(d.compareAndWrite(1024, ByteBuffer.allocate(512), a.duplicate(), false))).isEqualTo(-1L);
    assertThat(read(d, 1024, 512)).isEqualTo(a);
    ByteBuffer wrong = ByteBuffer.allocate(512).put(a.duplicate()).flip();
    wrong.put(100, (byte) (a.get(100) + 1));
    assertThat(await(d.compareAndWrite(1024, wrong, b.duplicate(), true))).isEqualTo(100L);
    assertThat(read(d, 1024, 512)).isEqualTo(a);
  }

  @Test
  void fullStoreFailsWritesWithNoSpaceAndKeepsEverythingElse() throws Exception {
    temp.reopen(StoreConfig.defaults().withCapacityBytes(2 * MiB));
    store.create(VolumeSpec.of("a", 16 * MiB));
    store.create(VolumeSpec.of("b", 16 * MiB));
    BlockDevice a = store.open("a").orElseThrow();
    BlockDevice b = store.open("b").orElseThrow();
    ByteBuffer first = random((int) MiB, 10);
    await(a.write(0, first.duplicate(), false));
    await(b.write(0, random((int) (MiB - 64 * 1024), 11), false));
    assertThat(failure(a.write(2 * MiB, random((int) MiB, 12), false))).isEqualTo(Kind.NO_SPACE);
    // overwriting in place needs no new space, and trims always work
    await(a.write(0, first.duplicate(), true));
    assertThat(read(a, 0, (int) MiB)).isEqualTo(first);
    assertThat(read(a, 2 * MiB, 4096)).isEqualTo(ByteBuffer.allocate(4096));
    await(b.trim(0, 16 * MiB, false));
    await(a.write(2 * MiB, random((int) MiB - 4096 * 4, 12), false));
    assertThat(store.stats().storedBytes()).isLessThanOrEqualTo(2 * MiB + 64 * 1024);
  }

  @Test
  void reportsStoreNumbers() throws Exception {
    store.create(VolumeSpec.of("n", 8 * MiB));
    await(store.open("n").orElseThrow().write(0, random((int) MiB, 13), false));
    StoreStats s = store.stats();
    assertThat(s.volumes()).isEqualTo(1);
    assertThat(s.usedBytes()).isEqualTo(MiB);
    assertThat(s.storedBytes()).isGreaterThanOrEqualTo(MiB);
    assertThat(s.capacityBytes()).isPositive();
    assertThat(s.diskFreeBytes()).isPositive();
    assertThat(s.checksumErrors()).isZero();
  }

  @Test
  void onlineResizeServesTheNewSpaceThroughOpenHandles() throws Exception {
    store.create(VolumeSpec.of("grow", 4 * MiB));
    BlockDevice d = store.open("grow").orElseThrow();
    assertThat(failure(d.write(4 * MiB, ByteBuffer.allocate(4096), false))).isEqualTo(Kind.OUT_OF_RANGE);
    store.resize("grow", 12 * MiB);
    assertThat(d.size()).isEqualTo(12 * MiB);
    ByteBuffer data = random(4096, 14);
    await(d.write(10 * MiB, data.duplicate(), false));
    assertThat(read(d, 10 * MiB, 4096)).isEqualTo(data);
  }
}
