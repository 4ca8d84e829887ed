package org.snipblock.cluster.door;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.BlockDevice;
import org.snipblock.cluster.ClusterVolume;
import org.snipblock.cluster.RedundancyPolicy;
import org.snipblock.cluster.replica.ReplicationMode;
import org.snipblock.cluster.replica.ReplicationSettings;
import org.snipblock.cluster.testing.Eventually;
import org.snipblock.cluster.testing.TestCluster;
import org.snipblock.cluster.topology.FailureDomain;
import org.snipblock.store.VolumeSpec;

/** The primary dies under a door on another node that has writes in flight: the door carries on. */
class DoorFailoverTest {
  private static final int PIECE = 16384;
  private static final int IN_FLIGHT = 8;
  @TempDir Path dir;
  private TestCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aDoorOnASurvivingNodeContinuesOnTheNewPrimaryAndLosesNoAcknowledgedWrite() throws Exception {
    cluster = TestCluster.threeCompartments(dir, new ReplicationSettings(1 << 20, Duration.ofSeconds(10), 0,
        Duration.ofSeconds(1), Duration.ofMinutes(10)));
    int size = 2 << 20;
    cluster.node(0).volumes().create(new VolumeSpec("fo1", size, TestCluster.SNIPPET, 512, false),
        new RedundancyPolicy(3, 2, FailureDomain.COMPARTMENT, ReplicationMode.SYNC));
    Eventually.await("n1 knows the volume", Duration.ofSeconds(30),
        () -> cluster.node(1).volumes().names().contains("fo1"));
    byte[] image = VolumeDoorTest.random(size, 42);

    try (BlockDevice door = VolumeDoorTest.door(cluster.node(1), "fo1")) {
      int pieces = size / PIECE;
      AtomicInteger nextPiece = new AtomicInteger();
      AtomicInteger acknowledged = new AtomicInteger();
      CompletableFuture<Void> quarterDone = new CompletableFuture<>();
      List<CompletableFuture<Void>> writers = new ArrayList<>();
      for (int w = 0; w < IN_FLIGHT; w++) {
        writers.add(writeOnward(door, image, nextPiece, pieces, () -> {
          if (acknowledged.incrementAndGet() == pieces / 4) {
            quarterDone.complete(null);
          }
        }));
      }
      quarterDone.get(60, TimeUnit.SECONDS);
      int beforeKill = acknowledged.get();
      cluster.node(0).close();

      CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new)).get(90, TimeUnit.SECONDS);
      assertThat(acknowledged.get()).as("every write acknowledged, most after the primary died")
          .isEqualTo(pieces).isGreaterThan(beforeKill);
      door.flush().get(30, TimeUnit.SECONDS);
      ClusterVolume v = cluster.node(1).volumes().describe("fo1").orElseThrow();
      assertThat(v.primary()).as("a new primary").isNotEqualTo("n0");
      assertThat(v.epoch()).isGreaterThanOrEqualTo(2);
      assertThat(Arrays.equals(VolumeDoorTest.readAll(door, size), image)).as("read back through the same door").isTrue();
    }
    try (BlockDevice other = VolumeDoorTest.door(cluster.node(2), "fo1")) {
      assertThat(Arrays.equals(VolumeDoorTest.readAll(other, size), image)).as("read back through n2's door").isTrue();
    }
  }

  /** One writer: takes the next unwritten piece, writes it, and goes on until none is left (bounded by the count). */
  private static CompletableFuture<Void> writeOnward(BlockDevice door, byte[] image, AtomicInteger nextPiece, int pieces,
      Runnable acked) {
    int i = nextPiece.getAndIncrement();
    if (i >= pieces) {
      return CompletableFuture.completedFuture(null);
    }
    return door.write((long) i * PIECE, ByteBuffer.wrap(image, i * PIECE, PIECE), false)
        .thenCompose(x -> {
          acked.run();
          return writeOnward(door, image, nextPiece, pieces, acked);
        });
  }
}
