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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.cluster.replica.ReplicationMode;
import org.snipblock.cluster.replica.ReplicationSettings;
import org.snipblock.cluster.testing.Eventually;
import org.snipblock.cluster.testing.Partition;
import org.snipblock.cluster.testing.TestCluster;
import org.snipblock.cluster.topology.FailureDomain;
import org.snipblock.store.VolumeSpec;

/**
 * Split brain: the primary is cut off from the other two nodes on the cluster channel (JGroups
 * DISCARD both ways) while it keeps taking writes, in ASYNC mode, the mode most tempted to
 * acknowledge alone. The data path between the nodes stays open, so only fencing can stop it.
 * The majority elects a new primary and writes; no write on the minority side may be
 * acknowledged once the majority has started writing. After healing, every copy equals the
 * majority's data.
 */
class PartitionTest {
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
  void aCutOffPrimaryStopsBeforeTheMajorityWrites() throws Exception {
    cluster = TestCluster.threeCompartments(dir, new ReplicationSettings(8 << 20, Duration.ofSeconds(5), 0,
        Duration.ofSeconds(1), Duration.ofMinutes(10)));
    int size = 1 << 20;
    ClusterNode old = cluster.node(0);
    old.volumes().create(new VolumeSpec("split", size, TestCluster.SNIPPET, 512, false),
        new RedundancyPolicy(3, 2, FailureDomain.COMPARTMENT, ReplicationMode.ASYNC));
    BlockDevice oldDevice = old.volumes().openPrimary("split").orElseThrow();
    oldDevice.write(0, ByteBuffer.wrap(new byte[4096]), true).get(30, TimeUnit.SECONDS);

    Partition partition = Partition.cut(List.of(old), List.of(cluster.node(1), cluster.node(2)));

    AtomicLong lastOldAck = new AtomicLong(Long.MIN_VALUE);
    AtomicInteger oldAcks = new AtomicInteger();
    AtomicInteger oldRefusals = new AtomicInteger();
    AtomicBoolean stopOld = new AtomicBoolean();
    CompletableFuture<Void> oldWriter = CompletableFuture.runAsync(() -> {
      Random r = new Random(1);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      // Bounded by time first: a write to the cut-off primary takes tens of µs, so a count that
      // small ran out (100,000 in 4.8 s) before the primary learned it was cut off (about 7 s).
      for (int i = 0; i < 5_000_000 && !stopOld.get() && System.nanoTime() < deadline; i++) {
        byte[] block = new byte[4096];
        r.nextBytes(block);
        try {
          oldDevice.write((long) (i % 256) * 4096, ByteBuffer.wrap(block), false).get(10, TimeUnit.SECONDS);
          lastOldAck.set(System.nanoTime());
          oldAcks.incrementAndGet();
        } catch (Exception e) {
          assertThat(BlockDeviceException.kindOf(e)).isEqualTo(BlockDeviceException.Kind.NOT_PRIMARY);
          oldRefusals.incrementAndGet();
        }
      }
    });

    Eventually.await("the majority promotes a new primary", T, () -> cluster.node(1).volumes().describe("split")
        .map(v -> v.epoch() == 2 && !v.primary().equals("n0")).orElse(false));
    int p = cluster.node(1).volumes().describe("split").orElseThrow().primary().equals("n1") ? 1 : 2;
    Eventually.await("the new primary serves", T, () -> cluster.node(p).volumes().openPrimary("split").isPresent());
    byte[] majority = new byte[size];
    new Random(2).nextBytes(majority);
    long firstNewWrite;
    try (BlockDevice d = cluster.node(p).volumes().open("split").orElseThrow()) {
      firstNewWrite = System.nanoTime();
      List<CompletableFuture<Void>> writes = new ArrayList<>();
      for (int off = 0; off < size; off += 16384) {
        writes.add(d.write(off, ByteBuffer.wrap(majority, off, 16384), false));
      }
      CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      d.flush().get(30, TimeUnit.SECONDS);
    }
    Eventually.await("the cut-off primary refuses writes", T, () -> oldRefusals.get() > 10);
    stopOld.set(true);
    oldWriter.get(30, TimeUnit.SECONDS);

    assertThat(oldAcks.get()).as("the old primary did take writes before it noticed").isPositive();
    assertThat(lastOldAck.get()).as("no minority write acknowledged after the majority started writing")
        .isLessThan(firstNewWrite);

    partition.heal();
    Eventually.await("the old primary rejoins, is fenced and resynced", T, () -> cluster.node(p).volumes()
        .describe("split").map(v -> v.stale().isEmpty()).orElse(false) && old.status().nodes().stream()
        .allMatch(n -> n.state().equals("UP")) && old.volumes().describe("split").orElseThrow().epoch() == 2);
    assertThat(old.volumes().openPrimary("split")).isEmpty();
    assertThat(oldDevice.write(0, ByteBuffer.wrap(new byte[4096]), false))
        .failsWithin(Duration.ofSeconds(10)).withThrowableThat()
        .satisfies(e -> assertThat(BlockDeviceException.kindOf(e)).isEqualTo(BlockDeviceException.Kind.NOT_PRIMARY));
    CRC32C want = new CRC32C();
    want.update(majority);
    for (int i = 0; i < 3; i++) {
      try (BlockDevice c = cluster.stores.get(i).open("split").orElseThrow()) {
        ByteBuffer b = ByteBuffer.allocate(size);
        c.read(0, b).get(30, TimeUnit.SECONDS);
        CRC32C got = new CRC32C();
        got.update(b.flip());
        assertThat(got.getValue()).as("copy on n" + i).isEqualTo(want.getValue());
      }
    }
    oldDevice.close();
  }
}
