package org.snipblock.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.snipblock.cluster.testing.Images.crc;
import static org.snipblock.cluster.testing.Images.crcOfCopy;
import static org.snipblock.cluster.testing.Images.random;
import static org.snipblock.cluster.testing.Images.read;
import static org.snipblock.cluster.testing.Images.write;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.block.BlockDeviceException.Kind;
import org.snipblock.cluster.replica.ReplicationMode;
import org.snipblock.cluster.replica.ReplicationSettings;
import org.snipblock.cluster.testing.Eventually;
import org.snipblock.cluster.testing.TestCluster;
import org.snipblock.cluster.topology.FailureDomain;
import org.snipblock.store.SnippetLabel;
import org.snipblock.store.SnippetRef;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeSpec;

/** Sync/async per snippet: overrides set and cleared live, each write waits only for its sync pieces. */
class SnippetModeTest {
  private static final Duration T = Duration.ofSeconds(60);
  private static final int SIZE = 1 << 20;
  private static final int SNIPPET = TestCluster.SNIPPET;
  @TempDir Path dir;
  private TestCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private void start() throws Exception {
    cluster = TestCluster.threeCompartments(dir, new ReplicationSettings(1 << 20, Duration.ofSeconds(10), 0,
        Duration.ofMinutes(10), Duration.ofMinutes(10)));
  }

  /** The flag on the node's copy of the snippet; null while that node has not applied the create yet. */
  private SnippetLabel.Mode label(int node, int snippet) {
    return cluster.stores.get(node).show("m")
        .flatMap(v -> cluster.stores.get(node).labelIndex().readLabel(new SnippetRef(v.id(), snippet)))
        .map(SnippetLabel::mode).orElse(null);
  }

  private static Kind failure(CompletableFuture<?> f) {
    try {
      f.get(30, TimeUnit.SECONDS);
      return null;
    } catch (Exception e) {
      return BlockDeviceException.kindOf(e);
    }
  }

  @Test
  void aWriteWaitsForTheQuorumOfItsSyncPiecesOnly() throws Exception {
    start();
    ClusterNode primary = cluster.node(0);
    // min-copies 3: a sync piece needs both replicas, so with one replica gone only async pieces succeed.
    primary.volumes().create(new VolumeSpec("m", SIZE, SNIPPET, 512, false),
        new RedundancyPolicy(3, 3, FailureDomain.COMPARTMENT, ReplicationMode.ASYNC));
    primary.volumes().setMode("m", ReplicationMode.SYNC, List.of(0L, 1L));
    assertThat(primary.volumes().snippetModes("m")).startsWith(ReplicationMode.SYNC, ReplicationMode.SYNC, ReplicationMode.ASYNC)
        .hasSize(SIZE / SNIPPET);
    Eventually.await("every copy's labels carry the snippet's own flag", T, () -> {
      for (int n = 0; n < 3; n++) {
        if (label(n, 0) != SnippetLabel.Mode.SYNC || label(n, 1) != SnippetLabel.Mode.SYNC
            || label(n, 2) != SnippetLabel.Mode.ASYNC) {
          return false;
        }
      }
      return true;
    });
    assertThatThrownBy(() -> primary.volumes().setMode("m", ReplicationMode.SYNC, List.of(99L)))
        .isInstanceOfSatisfying(VolumeAdminException.class,
            e -> assertThat(e.reason()).isEqualTo(VolumeAdminException.Reason.INVALID_ARGUMENT));
    assertThatThrownBy(() -> primary.volumes().setMode("m", null, List.of()))
        .isInstanceOf(VolumeAdminException.class);

    try (BlockDevice d = primary.volumes().open("m").orElseThrow()) {
      write(d, random(SIZE, 40), 0, SIZE);
      cluster.node(2).close();
      byte[] b = random(2 * 8192, 41);
      assertThat(failure(d.write(5L * SNIPPET, ByteBuffer.wrap(b, 0, 8192), false))).as("async snippet").isNull();
      assertThat(failure(d.write(5L * SNIPPET - 4096, ByteBuffer.wrap(b), false))).as("two async snippets").isNull();
      assertThat(failure(d.write(0, ByteBuffer.wrap(b, 0, 8192), false))).as("sync snippet").isEqualTo(Kind.IO_ERROR);
      assertThat(failure(d.write(2L * SNIPPET - 4096, ByteBuffer.wrap(b), false)))
          .as("a write spanning a sync and an async snippet").isEqualTo(Kind.IO_ERROR);

      primary.volumes().setMode("m", null, List.of(0L));
      assertThat(primary.volumes().snippetModes("m").get(0)).isEqualTo(ReplicationMode.ASYNC);
      assertThat(failure(d.write(0, ByteBuffer.wrap(b, 0, 8192), false))).as("override cleared").isNull();
      primary.volumes().setMode("m", ReplicationMode.SYNC);
      assertThat(primary.volumes().snippetModes("m").get(5)).isEqualTo(ReplicationMode.SYNC);
      assertThat(failure(d.write(5L * SNIPPET, ByteBuffer.wrap(b, 0, 8192), false))).as("volume now sync")
          .isEqualTo(Kind.IO_ERROR);
    }
  }

  @Test
  void switchingModesLiveUnderLoadLosesAndReordersNothing() throws Exception {
    start();
    ClusterNode primary = cluster.node(0);
    primary.volumes().create(new VolumeSpec("m", SIZE, SNIPPET, 512, false),
        new RedundancyPolicy(3, 2, FailureDomain.COMPARTMENT, ReplicationMode.SYNC));
    byte[] expected = random(SIZE, 50);
    int writers = 4;
    int region = SIZE / writers;
    AtomicBoolean switched = new AtomicBoolean();
    AtomicInteger writes = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (BlockDevice d = primary.volumes().open("m").orElseThrow()) {
      write(d, expected, 0, SIZE);
      List<CompletableFuture<Void>> load = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        load.add(writer(d, pool, expected, w * region, region, new Random(w), switched, writes, 0));
      }
      List<Long> some = List.of(0L, 1L, 2L, 5L, 9L, 15L);
      // Each switch waits for the load to make progress first, so writes are in flight across every switch.
      Runnable[] switches = {
          () -> primary.volumes().setMode("m", ReplicationMode.ASYNC),
          () -> primary.volumes().setMode("m", ReplicationMode.SYNC, some),
          () -> primary.volumes().setMode("m", ReplicationMode.SYNC),
          () -> primary.volumes().setMode("m", ReplicationMode.ASYNC, List.of(3L, 4L, 12L)),
          () -> primary.volumes().setMode("m", null, some),
          () -> primary.volumes().setMode("m", ReplicationMode.ASYNC),
          () -> primary.volumes().setMode("m", null, List.of(3L, 4L, 12L)),
          () -> primary.volumes().setMode("m", ReplicationMode.SYNC)};
      for (Runnable s : switches) {
        int before = writes.get();
        Eventually.await("writes go on", T, () -> writes.get() >= before + 20 || load.stream().allMatch(CompletableFuture::isDone));
        s.run();
      }
      switched.set(true);
      CompletableFuture.allOf(load.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
      d.flush().get(30, TimeUnit.SECONDS);
      assertThat(writes.get()).isGreaterThan(8 * 20);
      assertThat(crc(read(d, 0, SIZE))).as("the primary's view").isEqualTo(crc(expected));
    } finally {
      pool.shutdownNow();
    }
    assertThat(primary.volumes().snippetModes("m")).containsOnly(ReplicationMode.SYNC);
    assertThat(primary.verify("m").get(60, TimeUnit.SECONDS).clean()).as("every copy agrees").isTrue();
    for (int n = 0; n < 3; n++) {
      assertThat(crcOfCopy(cluster.stores.get(n), "m", SIZE)).as("copy on n" + n).isEqualTo(crc(expected));
    }
  }

  private static final int MAX_WRITES_PER_WRITER = 3000;

  /** Writes 8 KiB pieces (some crossing snippet boundaries) one after another into its region until told to stop. */
  private static CompletableFuture<Void> writer(BlockDevice d, ExecutorService pool, byte[] expected, int start,
      int region, Random rnd, AtomicBoolean stop, AtomicInteger writes, int done) {
    if (stop.get() || done >= MAX_WRITES_PER_WRITER) {
      return CompletableFuture.completedFuture(null);
    }
    int offset = start + rnd.nextInt((region - 8192) / 4096 + 1) * 4096;
    byte[] data = new byte[8192];
    rnd.nextBytes(data);
    System.arraycopy(data, 0, expected, offset, data.length);
    return d.write(offset, ByteBuffer.wrap(data), rnd.nextInt(8) == 0).thenComposeAsync(x -> {
      writes.incrementAndGet();
      return writer(d, pool, expected, start, region, rnd, stop, writes, done + 1);
    }, pool);
  }
}
