package org.snipblock.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.snipblock.cluster.testing.Images.random;
import static org.snipblock.cluster.testing.Images.write;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.BlockDevice;
import org.snipblock.cluster.follow.FollowControl;
import org.snipblock.cluster.follow.FollowView;
import org.snipblock.cluster.follow.SiteSettings;
import org.snipblock.cluster.proto.CopyMoving;
import org.snipblock.cluster.replica.ReplicationMode;
import org.snipblock.cluster.replica.ReplicationSettings;
import org.snipblock.cluster.testing.Eventually;
import org.snipblock.cluster.testing.TestCluster;
import org.snipblock.cluster.topology.FailureDomain;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeSpec;

/**
 * {@code volume migrate --to-site} for a volume with no copy in the target site: copies are built
 * there first (the primary's last to go), then catch-up, sync and the handover; a writer that
 * outruns the link is throttled while they are built, and never left throttled; while a migration
 * runs, every node refuses a second migration of the volume; a primary lost mid-copy leaves it to
 * the new primary, which carries it on. Two sites of two
 * compartments each, a simulated WAN between them (5 ms, 2 MiB/s: copying takes a moment); n0, n1 in
 * site a, n2, n3 in site b.
 */
class MigrateIntoSiteTest {
  private static final long MIB = 1 << 20;

  @TempDir Path dir;
  private TestCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private void start() throws Exception {
    cluster = TestCluster.start(dir, new ReplicationSettings(64 * MIB, Duration.ofSeconds(20), 0,
        Duration.ofSeconds(1), Duration.ofMinutes(10)),
        new SiteSettings(Duration.ofMillis(10), MIB, Duration.ofMillis(100), 2 * MIB,
            new SiteSettings.SimulatedWan(Duration.ofMillis(5), 2 * MIB)),
        "a/c1/r1/h1", "a/c2/r1/h2", "b/c1/r1/h3", "b/c2/r1/h4");
  }

  @Test
  void aVolumeWithNoCopyThereGetsItsCopiesBuiltInTheSiteAndThenItsPrimary() throws Exception {
    start();
    int size = 2 << 20;
    ClusteredVolumes volumes = cluster.node(0).volumes();
    volumes.create(new VolumeSpec("local", size, TestCluster.SNIPPET * 8, 512, false),
        new RedundancyPolicy(2, 2, FailureDomain.COMPARTMENT, ReplicationMode.ASYNC));
    SiteFollowing following = cluster.node(0).following();

    byte[] image = random(size, 5);
    try (BlockDevice d = volumes.open("local").orElseThrow()) {
      write(d, image, 0, size);
      CompletableFuture<SiteMigration.Result> running = CompletableFuture.supplyAsync(
          () -> following.migrate("local", "b", Duration.ofSeconds(60)));
      Eventually.await("copies being added in site b", Duration.ofSeconds(30), () -> running.isDone()
          || cluster.node(0).metadata().volume("local").orElseThrow().getMovingCount() > 0);
      assertThatThrownBy(() -> following.migrate("local", "a", Duration.ofSeconds(30)))
          .as("one migration of a volume at a time")
          .hasMessage("volume local is already migrating to site b on n0; ask again once that ended");
      // Any node says so, before it says that it is not the primary or that the primary already is
      // in the site asked (which the migration under way is about to change): a controller taking
      // over from a dead one asks whichever node it reaches first.
      for (int n = 1; n < 4; n++) {
        SiteFollowing other = cluster.node(n).following();
        int at = n;
        Eventually.await("n" + n + " seeing the migration's mark", Duration.ofSeconds(10), () -> running.isDone()
            || cluster.node(at).metadata().volume("local").orElseThrow().hasMigration());
        assertThatThrownBy(() -> other.migrate("local", at < 2 ? "a" : "b", Duration.ofSeconds(30)))
            .as("asked of n%d", n)
            .hasMessage("volume local is already migrating to site b on n0; ask again once that ended");
      }
      SiteMigration.Result r = running.get(120, TimeUnit.SECONDS);
      assertThat(r.steps().get(0)).startsWith("adding copies in site b: the primary's on n");
      assertThat(r.steps()).as("written before, not during").contains("writes not throttled while copying");
      assertThat(r.steps()).contains("consumer recorded: b", "switched to sync");
      assertThat(r.steps()).anyMatch(s -> s.startsWith("old primary's copies dropped"));
      Eventually.await("the migration's mark cleared everywhere", Duration.ofSeconds(10),
          () -> java.util.stream.IntStream.range(0, 4)
              .noneMatch(n -> cluster.node(n).metadata().volume("local").orElseThrow().hasMigration()));
      ClusterVolume after = volumes.describe("local").orElseThrow();
      assertThat(after.primary()).isIn("n2", "n3");
      assertThat(after.mode()).isEqualTo("sync");
      assertThat(after.snippetReplicas()).as("every copy now in site b, one per compartment")
          .allSatisfy(h -> assertThat(h).containsExactlyInAnyOrder("n2", "n3"));
      ByteBuffer back = ByteBuffer.allocate(size);
      d.read(0, back).get(30, TimeUnit.SECONDS);
      assertThat(back.array()).as("every write reads back through the door on n0, from site b").isEqualTo(image);
    }
    int primary = Integer.parseInt(volumes.describe("local").orElseThrow().primary().substring(1));
    // The new primary's device drops its link to n0 when it applies the record that dropped n0's
    // copies, a moment after the migration returns; a verify before that reports n0 (holding nothing).
    Eventually.await("the new primary's replicas without n0", Duration.ofSeconds(30),
        () -> !cluster.node(primary).verify("local").orTimeout(60, TimeUnit.SECONDS).join().toString().contains("node=n0"));
    var report = cluster.node(primary).verify("local").get(60, TimeUnit.SECONDS);
    assertThat(report.clean()).as(report.toString()).isTrue();
    assertThat(report.copies()).hasSize(2);

    // A mark that outlived its migration (its clear not committed, say) would hold off every other
    // migration of the volume while its node lives: that node clears it itself.
    long marked = cluster.node(primary).commit(org.snipblock.cluster.proto.MetaCommand.newBuilder()
        .setMarkSiteMigration(org.snipblock.cluster.proto.MarkSiteMigration.newBuilder().setName("local").setMark(
            org.snipblock.cluster.proto.SiteMigrationMark.newBuilder().setSite("b").setNode("n" + primary)
                .setId("left-over"))).build()).getVersion();
    // The commit returns once a majority applied it: n<primary>'s own copy may show it a moment later.
    Eventually.await("n" + primary + " clearing its left-over mark", Duration.ofSeconds(10), () -> {
      var v = cluster.node(primary).metadata().volume("local").orElseThrow();
      return v.getVersion() > marked && !v.hasMigration();
    });
  }

  @Test
  void copiesCancelledWhileTheirWritesAreThrottledLeaveTheWritesUnthrottled() throws Exception {
    start();
    int size = 16 << 20;
    ClusteredVolumes volumes = cluster.node(0).volumes();
    volumes.create(new VolumeSpec("busy", size, TestCluster.SNIPPET * 8, 512, false),
        new RedundancyPolicy(1, 1, FailureDomain.COMPARTMENT, ReplicationMode.ASYNC));
    SiteFollowing following = cluster.node(0).following();
    try (BlockDevice d = volumes.open("busy").orElseThrow()) {
      write(d, random(size, 6), 0, size);
      AtomicBoolean stop = new AtomicBoolean();
      CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> rewrite(d, stop));
      try {
        CompletableFuture<SiteMigration.Result> running = CompletableFuture.supplyAsync(
            () -> following.migrate("busy", "b", Duration.ofSeconds(60)));
        Eventually.await("writes throttled while the copies are built", Duration.ofSeconds(30),
            () -> running.isDone() || measured(following).filter(m -> m.copying() && m.throttleRate() > 0).isPresent());
        assertThat(running).as("16 MiB over a 2 MiB/s link under a writer: still copying").isNotDone();
        // As an operator's cancel or a leader's would: the migration fails, its copies are removed.
        CopyMoving m = cluster.node(0).metadata().volume("busy").orElseThrow().getMovingList().stream()
            .filter(c -> c.getSnippet() == 0).findFirst().orElseThrow();
        new CopyMove(cluster.node(0), "busy", 0, m.getFrom(), m.getTo()).abort();
        assertThatThrownBy(() -> running.get(60, TimeUnit.SECONDS)).hasCauseInstanceOf(VolumeAdminException.class)
            .hasMessageContaining("was cancelled");
        FollowControl.Measured after = measured(following).orElseThrow();
        assertThat(after.copying()).isFalse();
        assertThat(after.throttleRate()).as("never left throttled").isZero();
      } finally {
        stop.set(true);
        writer.get(60, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * The primary lost mid-copy (n0 closed: it leaves the view at once): the failover makes n1 the
   * primary, and n1 takes the migration over, with nothing asked again: it balloons the guest's
   * writes against the copy at once, every node refuses a second migration naming it, and it ends
   * the migration (sync, handover into site b, the lost primary's copies dropped, the others moved).
   */
  @Test
  void aMigrationWhosePrimaryIsLostMidCopyIsTakenOverByTheNewPrimaryWhichBalloonsAtOnce() throws Exception {
    start();
    int size = 16 << 20;
    // 1 MiB snippets: 16 stripes, whose copies outside site b move one at a time after the handover.
    volumes(0).create(new VolumeSpec("lost", size, TestCluster.SNIPPET * 16, 512, false),
        new RedundancyPolicy(2, 2, FailureDomain.COMPARTMENT, ReplicationMode.ASYNC));
    assertThat(volumes(0).describe("lost").orElseThrow().primary()).isEqualTo("n0");
    try (BlockDevice d = volumes(0).open("lost").orElseThrow()) {
      write(d, random(size, 8), 0, size);
    }
    // On a thread of its own: once n0 is closed its migration waits on metadata that no longer changes.
    ExecutorService lostPrimary = Executors.newSingleThreadExecutor();
    try {
      lostPrimary.execute(() -> cluster.node(0).following().migrate("lost", "b", Duration.ofSeconds(60)));
      Eventually.await("n0 copying every stripe into site b", Duration.ofSeconds(30), () -> {
        var v = cluster.node(0).metadata().volume("lost").orElseThrow();
        return v.getMovingCount() == v.getSnippetsCount();
      });
      cluster.node(0).close();
    } finally {
      lostPrimary.shutdownNow();
    }
    // Lost, its mark is not replaced by a migration asked anew (to move it back, say), failover or not.
    assertThatThrownBy(() -> cluster.node(2).following().migrate("lost", "a", Duration.ofSeconds(30)))
        .hasMessageMatching("volume lost is already migrating to site b on n[01]; ask again once that ended");
    Eventually.await("n1 the primary after the failover", Duration.ofSeconds(30),
        () -> "n1".equals(volumes(1).describe("lost").orElseThrow().primary()));

    SiteFollowing n1 = cluster.node(1).following();
    byte[] block = random(64 << 10, 7);
    AtomicBoolean stop = new AtomicBoolean();
    try (BlockDevice d = volumes(1).open("lost").orElseThrow()) {
      CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> rewrite(d, stop));
      try {
        Eventually.await("the new primary ballooning the writes against the copy", Duration.ofSeconds(60),
            () -> n1.view("lost").flatMap(FollowView::measured).filter(m -> m.copying() && m.throttleRate() > 0)
                .isPresent(), () -> String.valueOf(n1.view("lost").flatMap(FollowView::measured)));
        assertThat(cluster.node(1).metadata().volume("lost").orElseThrow().getMigration().getNode())
            .as("the mark taken over").isEqualTo("n1");
        for (int n = 1; n < 4; n++) {
          SiteFollowing other = cluster.node(n).following();
          int at = n;
          Eventually.await("n" + n + " seeing the mark taken over", Duration.ofSeconds(10), () -> "n1".equals(
              cluster.node(at).metadata().volume("lost").orElseThrow().getMigration().getNode()));
          assertThatThrownBy(() -> other.migrate("lost", "a", Duration.ofSeconds(30))).as("asked of n%d", n)
              .hasMessage("volume lost is already migrating to site b on n1; ask again once that ended");
        }
      } finally {
        stop.set(true);
        writer.get(60, TimeUnit.SECONDS);
      }
      Eventually.await("the migration taken over ended: its mark cleared, the primary in site b",
          Duration.ofSeconds(180), () -> {
            var v = cluster.node(1).metadata().volume("lost").orElseThrow();
            return !v.hasMigration() && java.util.Set.of("n2", "n3").contains(v.getPrimary());
          }, () -> String.valueOf(volumes(1).describe("lost")));
      ClusterVolume after = volumes(1).describe("lost").orElseThrow();
      assertThat(after.mode()).isEqualTo("sync");
      assertThat(after.snippetReplicas()).as("every copy in site b, the lost primary's dropped")
          .allSatisfy(h -> assertThat(h).containsExactlyInAnyOrder("n2", "n3"));
      ByteBuffer back = ByteBuffer.allocate(1 << 20);
      d.read(0, back).get(30, TimeUnit.SECONDS);
      for (int i = 0; i < 16; i++) {
        assertThat(java.util.Arrays.copyOfRange(back.array(), i * block.length, (i + 1) * block.length))
            .as("written through n1 after the failover, read from site b: block %d", i).isEqualTo(block);
      }
    }
  }

  private ClusteredVolumes volumes(int node) {
    return cluster.node(node).volumes();
  }

  private static java.util.Optional<FollowControl.Measured> measured(SiteFollowing following) {
    return following.view("busy").flatMap(FollowView::measured);
  }

  /** Rewrites the first MiB in 64 KiB writes, 8 at a time, until told to stop (at most 20000 writes or 5 minutes). */
  private static void rewrite(BlockDevice d, AtomicBoolean stop) {
    byte[] block = random(64 << 10, 7);
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    for (int i = 0; i < 20000 && !stop.get() && System.nanoTime() < deadline; i += 8) {
      List<CompletableFuture<Void>> batch = new ArrayList<>();
      for (int j = 0; j < 8; j++) {
        batch.add(d.write((long) ((i + j) % 16) * block.length, ByteBuffer.wrap(block), false));
      }
      CompletableFuture.allOf(batch.toArray(CompletableFuture[]::new)).orTimeout(60, TimeUnit.SECONDS).join();
    }
  }
}
