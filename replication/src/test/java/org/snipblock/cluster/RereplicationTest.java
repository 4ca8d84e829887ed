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
    // The rebuild asked the primary's background budget for every chunk it sent, and for every
    // snippet it compared before (comparing reads the snippet here).
    long sent = after.resyncs().stream().mapToLong(r -> r.bytesCopied()).sum();
    long compared = after.resyncs().stream().filter(r -> r.purpose().equals("resync"))
        .mapToLong(r -> r.snippetsDone()).sum() * TestCluster.SNIPPET;
    assertThat(sent).isPositive();
    assertThat(primary.volumes().background().state().grantedBytes()).isGreaterThanOrEqualTo(sent + compared);
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

  /** A copy rebuilt on another node gets the volume's snapshots too, each with its content. */
  @Test
  void aRebuiltCopyCarriesTheSnapshots() throws Exception {
    startFourCompartments();
    int size = 1 << 20;
    ClusterNode primary = cluster.node(0);
    primary.volumes().create(new VolumeSpec("rr", size, TestCluster.SNIPPET, 512, false),
        new RedundancyPolicy(3, 2, FailureDomain.COMPARTMENT, ReplicationMode.SYNC));
    byte[] first = new byte[size];
    new Random(9).nextBytes(first);
    byte[] second = first.clone();
    new Random(10).nextBytes(second);
    java.util.Arrays.fill(second, 0, size / 2, (byte) 0x42);
    String victim = primary.volumes().describe("rr").orElseThrow().snippetReplicas().get(0).get(1);
    try (BlockDevice d = primary.volumes().open("rr").orElseThrow()) {
      write(d, first, 0, size);
      primary.snapshots().take("rr", "s1").get(30, TimeUnit.SECONDS);
      write(d, second, 0, size);
      primary.snapshots().take("rr", "s2").get(30, TimeUnit.SECONDS);
    }
    int v = Integer.parseInt(victim.substring(1));
    cluster.node(v).close();
    Eventually.await("copies moved away from " + victim + " and in sync", T, () -> primary.volumes().describe("rr")
        .map(x -> x.stale().isEmpty() && x.snippetReplicas().stream().allMatch(r -> r.size() == 3
            && !r.contains(victim))).orElse(false));
    // Three nodes are left in three compartments: each now holds every snippet, some of them rebuilt there.
    for (int n = 0; n < 4; n++) {
      if (n == v) {
        continue;
      }
      assertThat(cluster.stores.get(n).snapshots("rr")).as("n" + n).extracting(s -> s.name())
          .containsExactly("s1", "s2");
      try (BlockDevice s1 = cluster.stores.get(n).open("rr@s1").orElseThrow();
          BlockDevice s2 = cluster.stores.get(n).open("rr@s2").orElseThrow()) {
        ByteBuffer b1 = ByteBuffer.allocate(size);
        ByteBuffer b2 = ByteBuffer.allocate(size);
        s1.read(0, b1).get(30, TimeUnit.SECONDS);
        s2.read(0, b2).get(30, TimeUnit.SECONDS);
        assertThat(b1.array()).as("s1 on n" + n).isEqualTo(first);
        assertThat(b2.array()).as("s2 on n" + n).isEqualTo(second);
      }
    }
    assertThat(primary.verify("rr").get(60, TimeUnit.SECONDS).clean()).isTrue();
  }

  /**
   * A clone's copy rebuilt on a node shares with the parent there: the clone's lost copy goes where
   * the parent's went, and waits for the parent's copy (snapshots included) to be resynced before
   * it is made as a local clone of it. No holder's copy is a full copy (none on record as unshared).
   */
  @Test
  void aRebuiltCopyOfACloneSharesWithTheParentsRebuiltCopy() throws Exception {
    startFourCompartments();
    int size = 1 << 20;
    ClusterNode primary = cluster.node(0);
    primary.volumes().create(new VolumeSpec("gold", size, TestCluster.SNIPPET, 512, false),
        new RedundancyPolicy(3, 2, FailureDomain.COMPARTMENT, ReplicationMode.SYNC));
    byte[] image = new byte[size];
    new Random(11).nextBytes(image);
    try (BlockDevice d = primary.volumes().open("gold").orElseThrow()) {
      write(d, image, 0, size);
      primary.snapshots().take("gold", "s1").get(30, TimeUnit.SECONDS);
    }
    primary.snapshots().cloneOf("gold", "s1", "web", 0);
    byte[] own = new byte[16384];
    new Random(12).nextBytes(own);
    try (BlockDevice d = primary.volumes().open("web").orElseThrow()) {
      d.write(0, ByteBuffer.wrap(own), true).get(30, TimeUnit.SECONDS);
    }
    System.arraycopy(own, 0, image, 0, own.length);
    String victim = primary.volumes().describe("web").orElseThrow().snippetReplicas().get(0).get(1);
    cluster.node(Integer.parseInt(victim.substring(1))).close();
    Eventually.await("web's copies moved away from " + victim + " and in sync", T, () -> primary.volumes()
        .describe("web").map(x -> x.stale().isEmpty() && x.snippetReplicas().stream().allMatch(r -> r.size() == 3
            && !r.contains(victim))).orElse(false));
    java.util.Set<String> holders = new java.util.TreeSet<>();
    primary.volumes().describe("web").orElseThrow().snippetReplicas().forEach(holders::addAll);
    assertThat(primary.snapshots().cloneState("web").orElseThrow().unsharedCopies()).as("no full copy").isEmpty();
    for (String h : holders) {
      int n = Integer.parseInt(h.substring(1));
      String parent = cluster.stores.get(n).show("web").orElseThrow().parent();
      assertThat(parent).as("%s's copy of web is a local clone of its copy of the parent's snapshot", h)
          .isEqualTo("gold@s1");
      // A stripe gained here shares the parent's data too: the clone's own 16 KiB are all it stores, in
      // at most the one 64 KiB resync chunk that holds them (copied in full, the 5 or 6 stripes each
      // survivor gains would be 320 KiB or more).
      assertThat(cluster.stores.get(n).show("web").orElseThrow().storedBytes()).as("web's own data on %s", h)
          .isLessThanOrEqualTo(64 << 10);
      try (BlockDevice c = cluster.stores.get(n).open("web").orElseThrow()) {
        ByteBuffer b = ByteBuffer.allocate(size);
        c.read(0, b).get(30, TimeUnit.SECONDS);
        assertThat(b.array()).as("web on " + h).isEqualTo(image);
      }
    }
    primary.snapshots().flatten("web");
    Eventually.await("web flattened", T, () -> primary.volumes().show("web").orElseThrow().parent() == null);
    assertThat(primary.snapshots().cloneState("web").orElseThrow().unsharedCopies()).isEmpty();
  }

  /** Four nodes in four compartments, unthrottled: copies lost with one are rebuilt on the one left. */
  private void startFourCompartments() throws Exception {
    cluster = TestCluster.start(dir, new ReplicationSettings(1 << 20, Duration.ofSeconds(10), 0,
        Duration.ofSeconds(30), Duration.ofSeconds(2)), "dc/fc1/r1/h1", "dc/fc2/r1/h2", "dc/fc3/r1/h3",
        "dc/fc4/r1/h4");
  }

  private static void write(BlockDevice d, byte[] image, int from, int to) throws Exception {
    List<CompletableFuture<Void>> writes = new ArrayList<>();
    for (int off = from; off < to; off += 16384) {
      writes.add(d.write(off, ByteBuffer.wrap(image, off, 16384), false));
    }
    CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
  }
}
