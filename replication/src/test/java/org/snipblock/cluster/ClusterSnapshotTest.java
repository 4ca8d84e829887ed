package org.snipblock.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.snipblock.cluster.testing.Images.crc;
import static org.snipblock.cluster.testing.Images.random;
import static org.snipblock.cluster.testing.Images.write;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
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
import org.snipblock.store.SnapshotInfo;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeSpec;

/**
 * A snapshot of a clustered volume is one op of its replication stream: every copy takes it at the
 * same point (writes before it in, writes after it out), and a failover keeps it.
 */
class ClusterSnapshotTest {
  private static final Duration T = Duration.ofSeconds(60);
  @TempDir Path dir;
  private TestCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** Starts three nodes in three compartments with one sync volume of three copies; returns its serving primary. */
  private int startWith(String volume, int size) throws Exception {
    cluster = TestCluster.threeCompartments(dir, new ReplicationSettings(1 << 20, Duration.ofSeconds(10), 0,
        Duration.ofSeconds(1), Duration.ofMinutes(10)));
    create(0, volume, size);
    int p = primaryOf(volume);
    Eventually.await("the primary serves", T, () -> cluster.node(p).volumes().openPrimary(volume).isPresent());
    return p;
  }

  private void create(int node, String volume, int size) {
    cluster.node(node).volumes().create(new VolumeSpec(volume, size, TestCluster.SNIPPET, 512, false),
        new RedundancyPolicy(3, 2, FailureDomain.COMPARTMENT, ReplicationMode.SYNC));
  }

  /** Waits until node n's own copy of the volume (or snapshot) has the given CRC32C. */
  private void awaitCopy(int n, String volume, int size, long crc) {
    Eventually.await(volume + " on n" + n, T, () -> {
      try {
        return Images.crcOfCopy(cluster.stores.get(n), volume, size) == crc;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }

  private int primaryOf(String volume) {
    String p = cluster.node(0).volumes().describe(volume).orElseThrow().primary();
    return Integer.parseInt(p.substring(1));
  }

  @Test
  void everyCopyTakesTheSnapshotAtOnePointOfTheStreamAndAFailoverKeepsIt() throws Exception {
    cluster = TestCluster.threeCompartments(dir, new ReplicationSettings(1 << 20, Duration.ofSeconds(10), 0,
        Duration.ofSeconds(1), Duration.ofMinutes(10)));
    int size = 1 << 20;
    cluster.node(0).volumes().create(new VolumeSpec("vm1", size, TestCluster.SNIPPET, 512, false),
        new RedundancyPolicy(3, 2, FailureDomain.COMPARTMENT, ReplicationMode.SYNC));
    byte[] before = random(size, 20);
    byte[] after = before.clone();
    System.arraycopy(random(size / 2, 21), 0, after, 0, size / 2);
    int p = primaryOf("vm1");
    Eventually.await("the primary serves", T, () -> cluster.node(p).volumes().openPrimary("vm1").isPresent());
    try (BlockDevice d = cluster.node(p).volumes().open("vm1").orElseThrow()) {
      write(d, before, 0, size);
      assertThat(cluster.node(p).snapshots().take("vm1", "s1").get(30, TimeUnit.SECONDS))
          .extracting(SnapshotInfo::name).containsExactly("s1");
      write(d, after, 0, size / 2);
    }

    // Taken while writes are in flight: whichever of them it holds, every copy holds the same.
    try (BlockDevice d = cluster.node(p).volumes().open("vm1").orElseThrow()) {
      java.util.List<java.util.concurrent.CompletableFuture<Void>> inFlight = new java.util.ArrayList<>();
      byte[] noise = random(size, 22);
      for (int i = 0; i < 64; i++) {
        inFlight.add(d.write((long) i * 4096, java.nio.ByteBuffer.wrap(noise, i * 4096, 4096), false));
        if (i == 31) {
          inFlight.add(cluster.node(p).snapshots().take("vm1", "mid").thenApply(x -> null));
        }
      }
      java.util.concurrent.CompletableFuture.allOf(inFlight.toArray(java.util.concurrent.CompletableFuture[]::new))
          .get(30, TimeUnit.SECONDS);
      write(d, after, 0, size / 2);
    }
    long mid = Images.crcOfCopy(cluster.stores.get(p), "vm1@mid", size);
    for (int i = 0; i < 3; i++) {
      int n = i;
      Eventually.await("n" + n + " took mid", T, () -> cluster.node(n).snapshots().list("vm1").size() == 2);
      assertThat(Images.crcOfCopy(cluster.stores.get(n), "vm1@mid", size)).as("mid on n" + n).isEqualTo(mid);
    }

    int other = (p + 1) % 3;
    assertThatThrownBy(() -> cluster.node(other).snapshots().take("vm1", "s2"))
        .isInstanceOf(VolumeAdminException.class).hasMessageContaining("its primary is n" + p);
    assertThatThrownBy(() -> cluster.node(p).snapshots().take("vm1", "s1"))
        .isInstanceOf(VolumeAdminException.class).hasMessageContaining("already has a snapshot named s1");
    assertThatThrownBy(() -> cluster.node(p).snapshots().take("vm1", "Bad Name"))
        .isInstanceOf(VolumeAdminException.class).hasMessageContaining("invalid snapshot name");

    // One lineage id per snapshot on every copy (what an incremental backup's base is known by), never a store's own id.
    long s1Lineage = cluster.node(p).snapshots().list("vm1").get(0).origin();
    assertThat(s1Lineage).as("s1's cluster-wide id").isGreaterThanOrEqualTo(1L << 62);
    for (int i = 0; i < 3; i++) {
      int n = i;
      Eventually.await("n" + n + " took s1", T, () -> cluster.node(n).snapshots().list("vm1").stream()
          .anyMatch(x -> x.name().equals("s1")));
      assertThat(cluster.node(n).snapshots().list("vm1")).extracting(SnapshotInfo::origin).as("on n" + n)
          .containsExactly(s1Lineage, cluster.node(p).snapshots().list("vm1").get(1).origin());
      assertThat(Images.crcOfCopy(cluster.stores.get(n), "vm1@s1", size)).as("s1 on n" + n).isEqualTo(crc(before));
      assertThat(Images.crcOfCopy(cluster.node(n).volumes(), "vm1@s1", size)).as("s1 served by n" + n)
          .isEqualTo(crc(before));
    }

    cluster.node(p).close();
    Eventually.await("a new primary at epoch 2", T, () -> cluster.node(other).volumes().describe("vm1")
        .map(v -> v.epoch() == 2 && !v.primary().equals("n" + p)).orElse(false));
    int q = Integer.parseInt(cluster.node(other).volumes().describe("vm1").orElseThrow().primary().substring(1));
    Eventually.await("the new primary serves", T, () -> cluster.node(q).volumes().openPrimary("vm1").isPresent());
    assertThat(Images.crcOfCopy(cluster.node(q).volumes(), "vm1@s1", size)).as("the failover keeps s1")
        .isEqualTo(crc(before));
    assertThat(Images.crcOfCopy(cluster.node(q).volumes(), "vm1", size)).isEqualTo(crc(after));
    cluster.node(q).snapshots().take("vm1", "s2").get(30, TimeUnit.SECONDS);
    assertThat(cluster.node(q).snapshots().list("vm1")).extracting(SnapshotInfo::name).containsExactly("s1", "mid", "s2");
    assertThat(Images.crcOfCopy(cluster.node(q).volumes(), "vm1@s2", size)).isEqualTo(crc(after));

    // Deleting is an op of the stream too: gone on every live copy, the other snapshots and the volume intact.
    cluster.node(q).snapshots().delete("vm1", "s1").get(30, TimeUnit.SECONDS);
    assertThatThrownBy(() -> cluster.node(q).snapshots().delete("vm1", "s1"))
        .isInstanceOf(VolumeAdminException.class).hasMessageContaining("no snapshot named s1");
    for (int n : new int[] {other, 3 - p - other}) {
      Eventually.await("n" + n + " deleted s1", T, () -> cluster.node(n).snapshots().list("vm1").stream()
          .noneMatch(x -> x.name().equals("s1")));
      assertThat(Images.crcOfCopy(cluster.stores.get(n), "vm1@mid", size)).as("mid on n" + n).isEqualTo(mid);
      assertThat(Images.crcOfCopy(cluster.stores.get(n), "vm1@s2", size)).as("s2 on n" + n).isEqualTo(crc(after));
      assertThat(Images.crcOfCopy(cluster.stores.get(n), "vm1", size)).as("vm1 on n" + n).isEqualTo(crc(after));
    }
  }

  /**
   * A copy away while snapshots were taken and deleted (one name even retaken with other content)
   * gets the primary's snapshots, each at the same point, before its live layer is caught up; the
   * verify then compares the snapshots of every copy too.
   */
  @Test
  void aReturningCopyGetsTheSnapshotsTakenAndDeletedWhileItWasAway() throws Exception {
    int size = 1 << 20;
    int p = startWith("vm1", size);
    int away = (p + 1) % 3;
    byte[] a = random(size, 40);
    byte[] b = a.clone();
    System.arraycopy(random(size / 4, 41), 0, b, size / 2, size / 4);
    byte[] c = b.clone();
    System.arraycopy(random(size / 8, 42), 0, c, 0, size / 8);
    byte[] now = c.clone();
    System.arraycopy(random(4096, 43), 0, now, size - 4096, 4096);
    try (BlockDevice d = cluster.node(p).volumes().open("vm1").orElseThrow()) {
      write(d, a, 0, size);
      cluster.node(p).snapshots().take("vm1", "s1").get(30, TimeUnit.SECONDS);
      Eventually.await("n" + away + " took s1", T, () -> cluster.stores.get(away).snapshots("vm1").size() == 1);
      cluster.node(away).close();
      write(d, b, 0, size);
      cluster.node(p).snapshots().take("vm1", "s2").get(30, TimeUnit.SECONDS);
      cluster.node(p).snapshots().delete("vm1", "s1").get(30, TimeUnit.SECONDS);
      write(d, c, 0, size);
      cluster.node(p).snapshots().take("vm1", "s1").get(30, TimeUnit.SECONDS);
      write(d, now, 0, size);
    }
    assertThat(cluster.stores.get(away).snapshots("vm1")).extracting(SnapshotInfo::name).containsExactly("s1");

    cluster.restart(away);
    Eventually.await("n" + away + " resynced", T, () -> cluster.node(p).volumes().describe("vm1")
        .map(v -> v.stale().isEmpty() && v.unreachable().isEmpty()).orElse(false));
    assertThat(cluster.stores.get(away).snapshots("vm1")).extracting(SnapshotInfo::name).containsExactly("s2", "s1");
    assertThat(Images.crcOfCopy(cluster.stores.get(away), "vm1@s2", size)).as("s2 rebuilt").isEqualTo(crc(b));
    assertThat(Images.crcOfCopy(cluster.stores.get(away), "vm1@s1", size)).as("s1 retaken").isEqualTo(crc(c));
    assertThat(Images.crcOfCopy(cluster.stores.get(away), "vm1", size)).isEqualTo(crc(now));
    org.snipblock.cluster.replica.VerifyReport report = cluster.node(p).verify("vm1").get(60, TimeUnit.SECONDS);
    assertThat(report.clean()).as("%s", report).isTrue();
    assertThat(report.copies()).allSatisfy(copy -> assertThat(copy.snapshotsCompared()).isEqualTo(2));

    // A copy that lost a snapshot behind the cluster's back: verify names it, a scrub has it rebuilt.
    cluster.stores.get(away).deleteSnapshot("vm1", "s2");
    report = cluster.node(p).verify("vm1").get(60, TimeUnit.SECONDS);
    assertThat(report.clean()).isFalse();
    assertThat(report.copies()).filteredOn(copy -> copy.node().equals("n" + away)).singleElement()
        .satisfies(copy -> assertThat(copy.snapshotsDiffering()).containsExactly("s2 (missing)"));
    cluster.node(p).scrub("vm1").get(60, TimeUnit.SECONDS);
    Eventually.await("n" + away + " has s2 again", T, () -> cluster.stores.get(away).snapshots("vm1").size() == 2
        && cluster.node(p).volumes().describe("vm1").map(v -> v.stale().isEmpty()).orElse(false));
    assertThat(Images.crcOfCopy(cluster.stores.get(away), "vm1@s2", size)).isEqualTo(crc(b));
    assertThat(cluster.node(p).verify("vm1").get(60, TimeUnit.SECONDS).clean()).isTrue();
  }

  /**
   * A rollback is one op of the stream: every copy's content becomes the snapshot's at one point;
   * refused while any node's doors are connected unless forced, and then their handles fail.
   */
  @Test
  void aRollbackTakesEveryCopyBackAtOnePointAndFailsTheHandlesOpenedBefore() throws Exception {
    int size = 1 << 20;
    int p = startWith("vm1", size);
    int other = (p + 1) % 3;
    byte[] a = random(size, 50);
    byte[] b = random(size, 51);
    try (BlockDevice d = cluster.node(p).volumes().open("vm1").orElseThrow()) {
      write(d, a, 0, size);
      cluster.node(p).snapshots().take("vm1", "s1").get(30, TimeUnit.SECONDS);
      write(d, b, 0, size);
      cluster.node(p).snapshots().take("vm1", "s2").get(30, TimeUnit.SECONDS);
      write(d, random(size, 52), 0, size);
    }
    cluster.node(p).snapshots().cloneOf("vm1", "s2", "web", 0);
    assertThatThrownBy(() -> cluster.node(p).snapshots().rollback("vm1", "s1", true))
        .isInstanceOf(VolumeAdminException.class).hasMessageContaining("the later snapshot s2 has clones web");
    cluster.node(p).volumes().delete("web");
    assertThatThrownBy(() -> cluster.node(other).snapshots().rollback("vm1", "s1", true))
        .isInstanceOf(VolumeAdminException.class).hasMessageContaining("its primary is n" + p);
    assertThatThrownBy(() -> cluster.node(p).snapshots().rollback("vm1", "nope", true))
        .isInstanceOf(VolumeAdminException.class).hasMessageContaining("no snapshot named nope");

    BlockDevice connected = cluster.node(other).volumes().open("vm1").orElseThrow();
    assertThatThrownBy(() -> cluster.node(p).snapshots().rollback("vm1", "s1", false))
        .isInstanceOf(VolumeAdminException.class).hasMessageContaining("is connected (n" + other + ": 1 open handles)");
    cluster.node(p).snapshots().rollback("vm1", "s1", true).get(30, TimeUnit.SECONDS);
    Eventually.await("the handle opened before fails", T, () -> connected.read(0, java.nio.ByteBuffer.allocate(4096))
        .handle((x, e) -> e != null && e.getMessage().contains("rolled back")).join());
    connected.close();
    for (int n = 0; n < 3; n++) {
      // Acknowledged on a write quorum: the third copy may apply it a moment later.
      awaitCopy(n, "vm1", size, crc(a));
      assertThat(Images.crcOfCopy(cluster.stores.get(n), "vm1@s2", size)).as("s2 kept on n" + n).isEqualTo(crc(b));
    }
    // The primary and the replicas go on with new handles: writes land on every copy.
    byte[] after = a.clone();
    System.arraycopy(random(8192, 53), 0, after, 4096, 8192);
    try (BlockDevice d = cluster.node(other).volumes().open("vm1").orElseThrow()) {
      d.write(4096, java.nio.ByteBuffer.wrap(after, 4096, 8192), true).get(30, TimeUnit.SECONDS);
    }
    for (int n = 0; n < 3; n++) {
      awaitCopy(n, "vm1", size, crc(after));
    }
    assertThat(cluster.node(p).verify("vm1").get(60, TimeUnit.SECONDS).clean()).isTrue();
  }

  /**
   * A group snapshot of volumes whose primaries are on two nodes, asked of a third, is one point in
   * time: writes go to A, then (once A's is acknowledged) to B, block after block, through a third
   * node's doors while it is taken; wherever B's snapshot holds a block's new data, A's holds it
   * too, on every copy. A group that cannot be taken everywhere is refused and leaves no snapshot.
   */
  @Test
  void aGroupSnapshotAcrossPrimariesOnTwoNodesNeverHoldsAWriteWithoutTheOneAcknowledgedBeforeIt() throws Exception {
    int size = 1 << 20;
    int blocks = 256;
    startWith("disk-a", size);
    create(1, "disk-b", size);
    assertThat(primaryOf("disk-a")).isZero();
    assertThat(primaryOf("disk-b")).isEqualTo(1);
    Eventually.await("the primaries serve", T, () -> cluster.node(1).volumes().openPrimary("disk-b").isPresent());
    // n2 coordinates: it finds each primary in its own copy of the metadata.
    Eventually.await("n2 knows both volumes", T, () -> cluster.node(2).volumes().describe("disk-a").isPresent()
        && cluster.node(2).volumes().describe("disk-b").isPresent());
    assertThatThrownBy(() -> cluster.node(2).snapshots().takeGroup(java.util.List.of("disk-a", "disk-a"), "g"))
        .isInstanceOf(VolumeAdminException.class).hasMessageContaining("named twice");
    assertThatThrownBy(() -> cluster.node(2).snapshots().takeGroup(java.util.List.of("disk-a", "nope"), "g"))
        .isInstanceOf(VolumeAdminException.class).hasMessageContaining("no volume named nope");
    // disk-b has "taken" already: the group is refused on n1 and n0's hold is released with nothing taken.
    cluster.node(1).snapshots().take("disk-b", "taken").get(30, TimeUnit.SECONDS);
    assertThatThrownBy(() -> cluster.node(2).snapshots().takeGroup(java.util.List.of("disk-a", "disk-b"), "taken")
        .get(30, TimeUnit.SECONDS)).hasMessageContaining("volume disk-b already has a snapshot named taken");
    assertThat(cluster.node(0).snapshots().names("disk-a")).isEmpty();
    try (BlockDevice a = cluster.node(2).volumes().open("disk-a").orElseThrow()) {
      a.write(0, java.nio.ByteBuffer.allocate(4096), false).get(30, TimeUnit.SECONDS);
    }
    cluster.node(1).snapshots().delete("disk-b", "taken").get(30, TimeUnit.SECONDS);

    byte[] ones = new byte[4096];
    java.util.Arrays.fill(ones, (byte) 1);
    java.util.concurrent.CountDownLatch halfway = new java.util.concurrent.CountDownLatch(1);
    try (BlockDevice a = cluster.node(2).volumes().open("disk-a").orElseThrow();
        BlockDevice b = cluster.node(2).volumes().open("disk-b").orElseThrow()) {
      CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
        for (int i = 0; i < blocks; i++) {
          a.write((long) i * 4096, java.nio.ByteBuffer.wrap(ones), false).join();
          b.write((long) i * 4096, java.nio.ByteBuffer.wrap(ones), false).join();
          if (i == blocks / 4) {
            halfway.countDown();
          }
        }
      });
      assertThat(halfway.await(60, TimeUnit.SECONDS)).isTrue();
      cluster.node(2).snapshots().takeGroup(java.util.List.of("disk-a", "disk-b"), "g").get(30, TimeUnit.SECONDS);
      writer.get(60, TimeUnit.SECONDS);
    }
    for (int n = 0; n < 3; n++) {
      int node = n;
      Eventually.await("n" + n + " took g", T, () -> cluster.stores.get(node).snapshots("disk-b").size() == 1
          && cluster.stores.get(node).snapshots("disk-a").size() == 1);
      byte[] snapA;
      byte[] snapB;
      try (BlockDevice sa = cluster.stores.get(n).open("disk-a@g").orElseThrow();
          BlockDevice sb = cluster.stores.get(n).open("disk-b@g").orElseThrow()) {
        snapA = Images.read(sa, 0, blocks * 4096);
        snapB = Images.read(sb, 0, blocks * 4096);
      }
      int inA = 0;
      for (int i = 0; i < blocks; i++) {
        boolean a = snapA[i * 4096] == 1;
        boolean b = snapB[i * 4096] == 1;
        assertThat(!b || a).as("n%d block %d: in B's snapshot but not in A's", n, i).isTrue();
        inA += a ? 1 : 0;
      }
      assertThat(inA).as("the snapshot was taken after the first quarter").isGreaterThanOrEqualTo(blocks / 4);
    }
  }

  /**
   * Changed-block tracking through any node's door: a node that is not the primary lists the
   * snapshots of its copy and forwards the question to the primary, which answers from its copy.
   */
  @Test
  void aDoorOnAnotherNodeReportsTheBlocksChangedSinceASnapshot() throws Exception {
    int size = 1 << 20;
    int p = startWith("cbt", size);
    int other = (p + 1) % 3;
    Eventually.await("n" + other + " knows cbt", T, () -> cluster.node(other).volumes().show("cbt").isPresent());
    try (BlockDevice d = cluster.node(other).volumes().open("cbt").orElseThrow()) {
      write(d, random(size, 30), 0, size);
      cluster.node(p).snapshots().take("cbt", "s1").get(30, TimeUnit.SECONDS);
      d.write(8192, java.nio.ByteBuffer.wrap(random(4096, 31)), false).get(30, TimeUnit.SECONDS);
      d.write(512 * 1024, java.nio.ByteBuffer.wrap(random(8192, 32)), false).get(30, TimeUnit.SECONDS);
      Eventually.await("n" + other + " took s1", T, () -> d.changeBases().equals(java.util.List.of("s1")));
      assertThat(d.changedSince("s1", 0, size).get(30, TimeUnit.SECONDS)).containsExactly(
          org.snipblock.block.Extent.data(8192, 4096), org.snipblock.block.Extent.data(512 * 1024, 8192));
      assertThat(d.changedSince("s1", 0, 8192).get(30, TimeUnit.SECONDS)).isEmpty();
      assertThatThrownBy(() -> d.changedSince("nope", 0, 4096).get(30, TimeUnit.SECONDS))
          .hasCauseInstanceOf(org.snipblock.block.BlockDeviceException.class);
    }
  }
}
