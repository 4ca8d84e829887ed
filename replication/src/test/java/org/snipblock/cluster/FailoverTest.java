package org.snipblock.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.snipblock.cluster.testing.Images.crc;
import static org.snipblock.cluster.testing.Images.random;
import static org.snipblock.cluster.testing.Images.write;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.BlockDevice;
import org.snipblock.cluster.replica.ReplicationMode;
import org.snipblock.cluster.replica.ReplicationSettings;
import org.snipblock.cluster.testing.Eventually;
import org.snipblock.cluster.testing.Images;
import org.snipblock.cluster.testing.TestCluster;
import org.snipblock.cluster.topology.FailureDomain;
import org.snipblock.store.VolumeSpec;

/** The primary goes away: a replica with every acknowledged write takes over; the old one returns and resyncs. */
class FailoverTest {
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
  void primaryLossPromotesAReplicaAndTheOldPrimaryResyncsByDelta() throws Exception {
    cluster = TestCluster.threeCompartments(dir, new ReplicationSettings(1 << 20, Duration.ofSeconds(10), 0,
        Duration.ofSeconds(1), Duration.ofMinutes(10)));
    int size = 1 << 20;
    cluster.node(0).volumes().create(new VolumeSpec("vm1", size, TestCluster.SNIPPET, 512, false),
        new RedundancyPolicy(3, 2, FailureDomain.COMPARTMENT, ReplicationMode.SYNC));
    byte[] image = random(size, 10);
    try (BlockDevice d = cluster.node(0).volumes().open("vm1").orElseThrow()) {
      write(d, image, 0, size);
    }
    // A sync write returns once 2 of the 3 copies hold it: let the third catch up, so that only the
    // primary about to go is missing writes afterwards.
    Eventually.await("every replica acknowledged", T,
        () -> cluster.node(0).volumes().describe("vm1").map(v -> v.lagBytes() == 0).orElse(false));

    cluster.node(0).close();
    Eventually.await("a new primary at epoch 2", T, () -> cluster.node(1).volumes().describe("vm1")
        .map(v -> v.epoch() == 2 && !v.primary().equals("n0")).orElse(false));
    ClusterVolume v = cluster.node(1).volumes().describe("vm1").orElseThrow();
    assertThat(v.stale()).containsExactly("n0");
    int p = v.primary().equals("n1") ? 1 : 2;
    Eventually.await("the new primary serves", T, () -> cluster.node(p).volumes().openPrimary("vm1").isPresent());
    try (BlockDevice d = cluster.node(p).volumes().open("vm1").orElseThrow()) {
      ByteBuffer back = ByteBuffer.allocate(size);
      d.read(0, back).get(30, TimeUnit.SECONDS);
      assertThat(crc(back.array())).as("every acknowledged write survived").isEqualTo(crc(image));
      // Keep writing without the old primary: half the volume changes.
      byte[] next = random(size, 11);
      System.arraycopy(next, 0, image, 0, size / 2);
      write(d, image, 0, size / 2);
    }

    cluster.restart(0);
    Eventually.await("the old primary resynced", T, () -> cluster.node(p).volumes().describe("vm1")
        .map(x -> x.stale().isEmpty()).orElse(false));
    ClusterVolume after = cluster.node(p).volumes().describe("vm1").orElseThrow();
    assertThat(after.resyncs()).anySatisfy(r -> {
      assertThat(r.node()).isEqualTo("n0");
      assertThat(r.running()).isFalse();
      assertThat(r.bytesCopied()).as("only the changed half travels").isEqualTo(size / 2);
    });
    for (int i = 0; i < 3; i++) {
      assertThat(Images.crcOfCopy(cluster.stores.get(i), "vm1", size)).as("copy on n" + i).isEqualTo(crc(image));
    }
    assertThat(cluster.node(0).volumes().openPrimary("vm1")).as("the old primary is fenced").isEmpty();
  }
}
