package org.snipblock.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.snipblock.cluster.testing.Images.random;
import static org.snipblock.cluster.testing.Images.write;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.BlockDevice;
import org.snipblock.cluster.replica.ReplicationMode;
import org.snipblock.cluster.replica.ReplicationSettings;
import org.snipblock.cluster.replica.VerifyReport;
import org.snipblock.cluster.testing.TestCluster;
import org.snipblock.cluster.topology.FailureDomain;
import org.snipblock.store.VolumeSpec;

/**
 * {@code volume verify} while a client keeps overwriting the same chunks: a write sequenced after
 * the point a snippet is compared at reaches the replica at once (it is sent before the primary's
 * own copy, held behind the comparison, takes it), so a replica digest read a moment late saw it
 * and the copy was reported differing though it was not (SiteMigrationIT's verify, its guest
 * writing, found "1 chunk differing on n4"). Every verify must be clean, a real difference in a
 * chunk being written must still be found (and a scrub repairs it), and the copies must hold what
 * was written once the writer stops.
 */
class VerifyUnderWritesTest {
  private static final int SIZE = 1 << 20;
  private static final int BLOCK = 16 << 10;

  @TempDir Path dir;
  private TestCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aVerifyWhileTheSameChunksAreOverwrittenFindsEveryCopyEqual() throws Exception {
    cluster = TestCluster.start(dir, new ReplicationSettings(64L << 20, Duration.ofSeconds(20), 0,
        Duration.ofSeconds(30), Duration.ofMinutes(10)), "dc/c1/r1/h1", "dc/c2/r1/h2");
    ClusterNode primary = cluster.node(0);
    primary.volumes().create(new VolumeSpec("hot", SIZE, TestCluster.SNIPPET, 512, false),
        new RedundancyPolicy(2, 2, FailureDomain.COMPARTMENT, ReplicationMode.SYNC));
    byte[] image = random(SIZE, 3);
    try (BlockDevice d = primary.volumes().open("hot").orElseThrow()) {
      write(d, image, 0, SIZE);
      AtomicBoolean stop = new AtomicBoolean();
      CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> overwrite(d, image, stop));
      List<VerifyReport> unclean = new ArrayList<>();
      try {
        // Bounded: 15 verifies of 16 snippets, each a few milliseconds.
        for (int round = 0; round < 15 && !writer.isDone(); round++) {
          VerifyReport r = primary.verify("hot").get(60, TimeUnit.SECONDS);
          if (!r.clean()) {
            unclean.add(r);
          }
        }
        assertThat(unclean).as("verifies under writes that found a difference").isEmpty();
        // A real difference in a chunk the writer keeps writing (its first 16 KiB) is still found.
        try (BlockDevice behind = cluster.stores.get(1).open("hot").orElseThrow()) {
          behind.write(5L * TestCluster.SNIPPET + (32 << 10), ByteBuffer.wrap(random(4096, 99)), true)
              .get(30, TimeUnit.SECONDS);
        }
        VerifyReport damaged = primary.verify("hot").get(60, TimeUnit.SECONDS);
        assertThat(damaged.copies()).as(damaged.toString()).extracting(VerifyReport.CopyCheck::node,
            VerifyReport.CopyCheck::chunksDiffering).containsExactly(tuple("n0", 0L), tuple("n1", 1L));
      } finally {
        stop.set(true);
        writer.get(60, TimeUnit.SECONDS);
      }
      VerifyReport scrubbed = primary.scrub("hot").get(60, TimeUnit.SECONDS);
      assertThat(scrubbed.copies()).as(scrubbed.toString()).extracting(VerifyReport.CopyCheck::chunksRepaired)
          .containsExactly(0L, 1L);
      VerifyReport atRest = primary.verify("hot").get(60, TimeUnit.SECONDS);
      assertThat(atRest.clean()).as(atRest.toString()).isTrue();
    }
    for (int n = 0; n < 2; n++) {
      try (BlockDevice c = cluster.stores.get(n).open("hot").orElseThrow()) {
        ByteBuffer b = ByteBuffer.allocate(SIZE);
        c.read(0, b).get(30, TimeUnit.SECONDS);
        assertThat(b.array()).as("the copy on n%d", n).isEqualTo(image);
      }
    }
  }

  /**
   * Overwrites the first 16 snippets' first block, 4 at a time, with content kept in {@code image},
   * until told to stop (at most 20000 writes or 2 minutes).
   */
  private static void overwrite(BlockDevice d, byte[] image, AtomicBoolean stop) {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    for (int i = 0; i < 20000 && !stop.get() && System.nanoTime() < deadline; i += 4) {
      List<CompletableFuture<Void>> batch = new ArrayList<>();
      for (int j = 0; j < 4; j++) {
        int at = ((i + j) % 16) * TestCluster.SNIPPET;
        byte[] next = random(BLOCK, i + j);
        // Distinct offsets within a batch: the image stays what was written last.
        System.arraycopy(next, 0, image, at, BLOCK);
        batch.add(d.write(at, ByteBuffer.wrap(next), false));
      }
      CompletableFuture.allOf(batch.toArray(CompletableFuture[]::new)).orTimeout(60, TimeUnit.SECONDS).join();
    }
  }
}
