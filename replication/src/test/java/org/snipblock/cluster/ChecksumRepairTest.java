package org.snipblock.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.snipblock.cluster.testing.Images.crc;
import static org.snipblock.cluster.testing.Images.crcOfCopy;
import static org.snipblock.cluster.testing.Images.random;
import static org.snipblock.cluster.testing.Images.read;
import static org.snipblock.cluster.testing.Images.write;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.BlockDevice;
import org.snipblock.cluster.replica.ReplicationMode;
import org.snipblock.cluster.replica.ReplicationSettings;
import org.snipblock.cluster.replica.VerifyReport;
import org.snipblock.cluster.replica.VerifyReport.CopyCheck;
import org.snipblock.cluster.testing.Eventually;
import org.snipblock.cluster.testing.TestCluster;
import org.snipblock.cluster.topology.FailureDomain;
import org.snipblock.store.StoreCorruption;
import org.snipblock.store.VolumeSpec;

/**
 * A copy whose stored data fails its checksum: verify reports it, a scrub repairs it on a
 * replica, and a read on the primary is served from a replica and restores the primary's chunk.
 */
class ChecksumRepairTest {
  private static final int SIZE = 1 << 20;
  @TempDir Path dir;
  private TestCluster cluster;
  private byte[] image;

  /** A cluster with one written volume; scrubs every {@code scrubInterval} (zero: only when asked). */
  private void start(Duration scrubInterval) throws Exception {
    cluster = TestCluster.threeCompartments(dir, new ReplicationSettings(1 << 20, Duration.ofSeconds(10), 0,
        Duration.ofMinutes(10), Duration.ofMinutes(10), scrubInterval, 16L << 20));
    cluster.node(0).volumes().create(new VolumeSpec("vm1", SIZE, TestCluster.SNIPPET, 512, false),
        new RedundancyPolicy(3, 2, FailureDomain.COMPARTMENT, ReplicationMode.SYNC));
    image = random(SIZE, 30);
    try (BlockDevice d = cluster.node(0).volumes().open("vm1").orElseThrow()) {
      write(d, image, 0, SIZE);
    }
    // The write returns once two copies hold it: the third must hold it too before a test damages it.
    Eventually.await("every replica acknowledged the image", Duration.ofSeconds(60),
        () -> cluster.node(0).volumes().describe("vm1").map(v -> v.lagBytes() == 0).orElse(false));
  }

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** Damages the node's copy in its store while everything runs (no restart: a resync would repair it first). */
  private void damage(int node, long... offsets) throws Exception {
    for (long offset : offsets) {
      StoreCorruption.flipBit(cluster.stores.get(node), "vm1", offset);
    }
  }

  private static CopyCheck copy(VerifyReport r, String node) {
    return r.copies().stream().filter(c -> c.node().equals(node)).findFirst().orElseThrow();
  }

  @Test
  void verifyReportsADamagedReplicaChunkAndAScrubRepairsIt() throws Exception {
    start(Duration.ZERO);
    damage(2, 5 * 4096 + 100, 300_000);

    VerifyReport found = cluster.node(0).verify("vm1").get(60, TimeUnit.SECONDS);
    assertThat(found.clean()).isFalse();
    assertThat(copy(found, "n0").primary()).isTrue();
    assertThat(copy(found, "n0").chunksBadChecksum()).isZero();
    assertThat(copy(found, "n1").chunksBadChecksum()).isZero();
    assertThat(copy(found, "n1").chunksDiffering()).isZero();
    assertThat(copy(found, "n2").chunksBadChecksum()).as("the two damaged chunks").isEqualTo(2);
    assertThat(copy(found, "n2").snippetsCompared()).isEqualTo(SIZE / TestCluster.SNIPPET);
    assertThat(copy(found, "n2").chunksRepaired()).as("verify changes nothing").isZero();
    assertThat(cluster.node(0).verify("vm1").get(60, TimeUnit.SECONDS).clean()).as("still damaged").isFalse();

    VerifyReport scrubbed = cluster.node(0).scrub("vm1").get(60, TimeUnit.SECONDS);
    assertThat(copy(scrubbed, "n2").chunksRepaired()).isEqualTo(2);
    assertThat(cluster.node(0).volumes().describe("vm1").orElseThrow().resyncs()).anySatisfy(p -> {
      assertThat(p.purpose()).isEqualTo("scrub");
      assertThat(p.node()).isEqualTo("n2");
      assertThat(p.running()).isFalse();
      assertThat(p.bytesCopied()).isEqualTo(2 * 65536);
    });

    VerifyReport after = cluster.node(0).verify("vm1").get(60, TimeUnit.SECONDS);
    assertThat(after.clean()).as(after.toString()).isTrue();
    assertThat(crcOfCopy(cluster.stores.get(2), "vm1", SIZE)).isEqualTo(crc(image));
  }

  @Test
  void aDamagedChunkOnlyAReplicasSnapshotReadsIsFlaggedAndAScrubRebuildsIt() throws Exception {
    start(Duration.ZERO);
    cluster.node(0).snapshots().take("vm1", "s1").get(60, TimeUnit.SECONDS);
    // Overwritten since: the damaged version is one only the snapshot reads.
    byte[] later = image.clone();
    System.arraycopy(random(4096, 31), 0, later, 5 * 4096, 4096);
    try (BlockDevice d = cluster.node(0).volumes().open("vm1").orElseThrow()) {
      write(d, later, 5 * 4096, 6 * 4096);
    }
    Eventually.await("every replica took s1 and the overwrite", Duration.ofSeconds(60),
        () -> cluster.node(0).volumes().describe("vm1").map(v -> v.lagBytes() == 0).orElse(false)
            && cluster.node(2).snapshots().list("vm1").size() == 1);
    StoreCorruption.flipBit(cluster.stores.get(2), "vm1", "s1", 5 * 4096 + 100);

    VerifyReport found = cluster.node(0).verify("vm1").get(60, TimeUnit.SECONDS);
    assertThat(found.clean()).as(found.toString()).isFalse();
    assertThat(copy(found, "n2").snapshotsDiffering()).as(found.toString()).singleElement()
        .satisfies(why -> assertThat(why).startsWith("s1"));
    assertThat(copy(found, "n1").snapshotsDiffering()).isEmpty();
    assertThat(crcOfCopy(cluster.stores.get(2), "vm1", SIZE)).as("n2's live data is intact").isEqualTo(crc(later));

    cluster.node(0).scrub("vm1").get(60, TimeUnit.SECONDS);
    Eventually.await("n2's snapshot rebuilt by its resync", Duration.ofSeconds(60), () -> {
      try {
        return cluster.node(0).verify("vm1").get(30, TimeUnit.SECONDS).clean();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    assertThat(crcOfCopy(cluster.stores.get(2), "vm1@s1", SIZE)).as("s1 on n2").isEqualTo(crc(image));
  }

  @Test
  void aDamagedChunkOnThePrimaryIsReadFromAReplicaAndRestored() throws Exception {
    start(Duration.ZERO);
    damage(0, 8192, 700_000);
    try (BlockDevice d = cluster.node(0).volumes().open("vm1").orElseThrow()) {
      assertThat(read(d, 8192, 512)).as("a small read inside the damaged chunk")
          .isEqualTo(Arrays.copyOfRange(image, 8192, 8192 + 512));
      assertThat(crc(read(d, 0, SIZE))).as("the whole image").isEqualTo(crc(image));
    }
    assertThat(crcOfCopy(cluster.stores.get(0), "vm1", SIZE)).as("the primary's own copy is whole again")
        .isEqualTo(crc(image));
    assertThat(cluster.node(0).verify("vm1").get(60, TimeUnit.SECONDS).clean()).isTrue();
  }

  @Test
  void aScrubRestoresThePrimarysDamagedChunkFromAReplica() throws Exception {
    start(Duration.ZERO);
    damage(0, 400_000);
    VerifyReport found = cluster.node(0).verify("vm1").get(60, TimeUnit.SECONDS);
    assertThat(copy(found, "n0").chunksBadChecksum()).isEqualTo(1);
    VerifyReport scrubbed = cluster.node(0).scrub("vm1").get(60, TimeUnit.SECONDS);
    assertThat(copy(scrubbed, "n0").chunksRepaired()).isEqualTo(1);
    assertThat(cluster.node(0).verify("vm1").get(60, TimeUnit.SECONDS).clean()).isTrue();
    assertThat(crcOfCopy(cluster.stores.get(0), "vm1", SIZE)).isEqualTo(crc(image));
  }

  @Test
  void thePeriodicScrubFindsAndRepairsDamageUnasked() throws Exception {
    start(Duration.ofSeconds(1));
    damage(1, 100_000);
    damage(0, 600_000);
    Eventually.await("a scrub repaired both copies", Duration.ofSeconds(60), () -> {
      try {
        return cluster.node(0).verify("vm1").get(30, TimeUnit.SECONDS).clean();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    assertThat(cluster.node(0).volumes().describe("vm1").orElseThrow().resyncs())
        .anySatisfy(p -> assertThat(p.purpose()).isIn("scrub", "verify"));
    for (int n = 0; n < 3; n++) {
      assertThat(crcOfCopy(cluster.stores.get(n), "vm1", SIZE)).as("copy on n" + n).isEqualTo(crc(image));
    }
  }
}
