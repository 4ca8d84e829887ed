package org.snipblock.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.BlockDevice;
import org.snipblock.cluster.replica.ReplicationMode;
import org.snipblock.cluster.replica.ReplicationSettings;
import org.snipblock.cluster.testing.Eventually;
import org.snipblock.cluster.testing.TestCluster;
import org.snipblock.cluster.topology.FailureDomain;
import org.snipblock.store.VolumeSpec;

/** A compartment is lost for good: its copies are rebuilt in the compartment that is left, throttled, while writes go on. */
class RereplicationTest {
  private static final Duration T = Duration.ofSeconds(60);
  @TempDir Path dir;
  private TestCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void lostCompartmentIsReplacedUnderThePolicy() throws Exception {
    // Throttled to 2 MiB/s: the 1 MiB rebuild takes about half a second while client writes continue.
    cluster = TestCluster.start(dir, new ReplicationSettings(1 << 20, Duration.ofSeconds(10), 2L << 20,
        Duration.ofSeconds(30), Duration.ofSeconds(2)), "dc/fc1/r1/h1", "dc/fc2/r1/h2", "dc/fc3/r1/h3",
        "dc/fc4/r1/h4");
    int size = 1 << 20;
    ClusterNode primary = cluster.node(0);
    primary.volumes().create(new VolumeSpec("rr", size, TestCluster.SNIPPET, 512, false),
        new RedundancyPolicy(3, 2, FailureDomain.COMPARTMENT, ReplicationMode.SYNC));
    String victim = "n2";
    byte[] image = new byte[size];
    new Random(7).nextBytes(image);
    try (BlockDevice d = primary.volumes().open("rr").orElseThrow()) {
      write(d, image, 0, size);
      cluster.node(2).close();
      Eventually.await("copies moved away from " + victim, T, () -> primary.volumes().describe("rr").orElseThrow()
          .snippetReplicas().stream().allMatch(r -> r.size() == 3 && !r.contains(victim)));
      // Client writes continue during the rebuild: the first half changes, in two rounds.
      byte[] next = new byte[size / 2];
      new Random(8).nextBytes(next);
      System.arraycopy(next, 0, image, 0, size / 2);
      write(d, image, 0, size / 4);
      Eventually.await("the new copies are in sync", T, () -> primary.volumes().describe("rr").orElseThrow()
          .stale().isEmpty());
      write(d, image, size / 4, size / 2);
    }
    ClusterVolume after = primary.volumes().describe("rr").orElseThrow();
    assertThat(after.resyncs()).isNotEmpty().allSatisfy(r -> assertThat(r.running()).isFalse());
    for (int i = 0; i < after.snippetReplicas().size(); i++) {
      for (String holder : after.snippetReplicas().get(i)) {
        int n = Integer.parseInt(holder.substring(1));
        try (BlockDevice c = cluster.stores.get(n).open("rr").orElseThrow()) {
          ByteBuffer b = ByteBuffer.allocate(TestCluster.SNIPPET);
          c.read((long) i * TestCluster.SNIPPET, b).get(30, TimeUnit.SECONDS);
          byte[] want = java.util.Arrays.copyOfRange(image, i * TestCluster.SNIPPET, (i + 1) * TestCluster.SNIPPET);
          assertThat(b.array()).as("snippet " + i + " on " + holder).isEqualTo(want);
        }
      }
    }
  }

  private static void write(BlockDevice d, byte[] image, int from, int to) throws Exception {
    List<CompletableFuture<Void>> writes = new ArrayList<>();
    for (int off = from; off < to; off += 16384) {
      writes.add(d.write(off, ByteBuffer.wrap(image, off, 16384), false));
    }
    CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
  }
}
