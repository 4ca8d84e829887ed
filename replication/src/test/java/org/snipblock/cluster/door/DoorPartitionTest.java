package org.snipblock.cluster.door;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.block.BlockDeviceException.Kind;
import org.snipblock.cluster.ClusterNode;
import org.snipblock.cluster.RedundancyPolicy;
import org.snipblock.cluster.replica.ReplicationMode;
import org.snipblock.cluster.replica.ReplicationSettings;
import org.snipblock.cluster.testing.Eventually;
import org.snipblock.cluster.testing.Partition;
import org.snipblock.cluster.testing.TestCluster;
import org.snipblock.cluster.topology.FailureDomain;
import org.snipblock.store.VolumeSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A door on the primary's node when that node is cut off from the majority: what it is given then
 * is not acknowledged by the cut-off side (no split brain through a door); once the cut heals, the
 * same door carries on against the majority's new primary, without the client reconnecting.
 */
class DoorPartitionTest {
  private static final Logger log = LoggerFactory.getLogger(DoorPartitionTest.class);
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
  void aDoorOnTheCutOffPrimaryNeverAcknowledgesAloneAndResumesAfterHealing() throws Exception {
    cluster = TestCluster.threeCompartments(dir, new ReplicationSettings(1 << 20, Duration.ofSeconds(5), 0,
        Duration.ofSeconds(1), Duration.ofMinutes(10)));
    ClusterNode old = cluster.node(0);
    old.volumes().create(new VolumeSpec("pt", 256 << 10, TestCluster.SNIPPET, 512, false),
        new RedundancyPolicy(3, 2, FailureDomain.COMPARTMENT, ReplicationMode.SYNC));
    Eventually.await("n1 knows the volume", T, () -> cluster.node(1).volumes().names().contains("pt"));
    byte[] minority = VolumeDoorTest.random(4096, 1);
    byte[] majority = VolumeDoorTest.random(4096, 2);
    byte[] later = VolumeDoorTest.random(4096, 3);

    try (BlockDevice cutOff = VolumeDoorTest.door(old, "pt"); BlockDevice other = VolumeDoorTest.door(cluster.node(1), "pt")) {
      cutOff.write(0, ByteBuffer.wrap(new byte[4096]), true).get(30, TimeUnit.SECONDS);

      Partition partition = Partition.cut(List.of(old), List.of(cluster.node(1), cluster.node(2)));
      Eventually.await("n0 notices it has lost the majority", T, () -> old.volumes().openPrimary("pt").isEmpty());
      // n0's metadata still names n0: the door finds its device refusing and waits for the metadata to move.
      AtomicLong minorityAck = new AtomicLong(-1);
      CompletableFuture<Void> fromMinority = cutOff.write(0, ByteBuffer.wrap(minority), true);
      fromMinority.thenRun(() -> minorityAck.set(System.nanoTime()));
      Eventually.await("the majority promotes a new primary", T, () -> cluster.node(1).volumes().describe("pt")
          .map(v -> v.epoch() >= 2 && !v.primary().equals("n0")).orElse(false));
      other.write(0, ByteBuffer.wrap(majority), true).get(30, TimeUnit.SECONDS);

      long healing = System.nanoTime();
      partition.heal();
      Eventually.await("n0 learns the new epoch", T,
          () -> old.volumes().describe("pt").map(v -> v.epoch() >= 2).orElse(false));
      byte[] expected;
      try {
        fromMinority.get(60, TimeUnit.SECONDS);
        Eventually.await("the acknowledgement is recorded", T, () -> minorityAck.get() != -1);
        assertThat(minorityAck.get()).as("acknowledged only once the cut healed, by the new primary")
            .isGreaterThan(healing);
        expected = minority;
        log.info("the write given to the cut-off side went to the new primary after healing");
      } catch (java.util.concurrent.ExecutionException e) {
        // The doors' window may have passed while the cut lasted; then it fails as a whole, cleanly.
        assertThat(BlockDeviceException.kindOf(e)).isEqualTo(Kind.UNAVAILABLE);
        expected = majority;
        log.info("the write given to the cut-off side outlived the doors' window: {}", e.getMessage());
      }
      ByteBuffer back = ByteBuffer.allocate(4096);
      other.read(0, back).get(30, TimeUnit.SECONDS);
      assertThat(back.array()).as("the write acknowledged last is what the volume holds").isEqualTo(expected);

      cutOff.write(4096, ByteBuffer.wrap(later), true).get(60, TimeUnit.SECONDS);
      ByteBuffer next = ByteBuffer.allocate(4096);
      other.read(4096, next).get(30, TimeUnit.SECONDS);
      assertThat(next.array()).as("the old primary's door now forwards to the new primary").isEqualTo(later);
    }
  }
}
