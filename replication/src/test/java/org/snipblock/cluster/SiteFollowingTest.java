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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.BlockDevice;
import org.snipblock.cluster.follow.FollowView;
import org.snipblock.cluster.follow.SiteSettings;
import org.snipblock.cluster.replica.ReplicationMode;
import org.snipblock.cluster.replica.ReplicationSettings;
import org.snipblock.cluster.testing.Eventually;
import org.snipblock.cluster.testing.TestCluster;
import org.snipblock.cluster.topology.FailureDomain;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeSpec;

/**
 * Two sites on loopback with a simulated WAN between them (n0, n1 in site a; n2 in site b): the
 * round-trip probe measures the WAN, sites and response times follow from it, a volume's consumer
 * steers handover and failover, and {@code --mode auto} switches both ways.
 */
class SiteFollowingTest {
  private static final Duration WAN = Duration.ofMillis(20);
  /** Loopback under a loaded 2-core CI machine stays well below this; the WAN is well above it. */
  private static final Duration SYNC_BOUND = Duration.ofMillis(10);
  private static final long MIB = 1 << 20;

  @TempDir Path dir;
  private TestCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private void start(long wanRate) throws Exception {
    cluster = TestCluster.start(dir, new ReplicationSettings(64 * MIB, Duration.ofSeconds(20), 0,
        Duration.ofSeconds(1), Duration.ofMinutes(10)),
        new SiteSettings(SYNC_BOUND, MIB, Duration.ofMillis(100), 2 * MIB,
            new SiteSettings.SimulatedWan(WAN, wanRate)),
        "a/c1/r1/h1", "a/c2/r1/h2", "b/c1/r1/h3");
  }

  @Test
  void theProbeMeasuresTheWanAndSitesAndResponseTimesFollowFromIt() throws Exception {
    start(0);
    SiteFollowing following = cluster.node(0).following();
    // Probes sent before a peer is on record go out without the simulated delay: wait for the
    // measurement to reach the WAN, not only for the groups (an unmeasured pair also splits them).
    Eventually.await("the WAN measured and reported", Duration.ofSeconds(60),
        () -> following.rtt().between("n0", "n2") >= WAN.toMillis()
            && following.syncGroups().equals(List.of(List.of("n0", "n1"), List.of("n2"))),
        () -> "round trips " + following.rtt().millis() + ", groups " + following.syncGroups());

    cluster.node(0).volumes().create(new VolumeSpec("wide", 4 * TestCluster.SNIPPET, TestCluster.SNIPPET, 512, false),
        new RedundancyPolicy(2, 2, FailureDomain.SITE, ReplicationMode.SYNC));
    cluster.node(0).volumes().create(new VolumeSpec("near", 4 * TestCluster.SNIPPET, TestCluster.SNIPPET, 512, false),
        new RedundancyPolicy(2, 2, FailureDomain.COMPARTMENT, ReplicationMode.SYNC));
    FollowView wide = following.view("wide").orElseThrow();
    assertThat(wide.reach().millis()).isGreaterThanOrEqualTo(WAN.toMillis());
    assertThat(List.of(wide.reach().from(), wide.reach().to())).containsExactly("n0", "n2");
    assertThat(wide.slowLink()).as("sync across the WAN is flagged").isTrue();
    // Loopback round trips on a loaded machine have outliers too (each node reports its own, on its
    // own schedule): the near pair is judged near once the measurements settle.
    Eventually.await("near's copies measured within the sync bound", Duration.ofSeconds(60),
        () -> following.view("near").map(n -> n.reach().millis() < SYNC_BOUND.toMillis() && !n.slowLink())
            .orElse(false),
        () -> "round trips " + following.rtt().millis());
    cluster.node(0).volumes().setMode("wide", ReplicationMode.ASYNC);
    assertThat(following.view("wide").orElseThrow().slowLink()).as("async over the WAN is not").isFalse();

    // The replication stream crosses the WAN too: a sync write waits for the copy in site b.
    cluster.node(0).volumes().setMode("wide", ReplicationMode.SYNC);
    try (BlockDevice d = cluster.node(0).volumes().open("wide").orElseThrow()) {
      long start = System.nanoTime();
      d.write(0, ByteBuffer.wrap(random(4096, 1)), true).get(30, TimeUnit.SECONDS);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(WAN);
    }
  }

  @Test
  void theConsumerSteersMovePrimaryAndBreaksFailoverTies() throws Exception {
    start(0);
    int size = 4 * TestCluster.SNIPPET;
    cluster.node(0).volumes().create(new VolumeSpec("vm1", size, TestCluster.SNIPPET, 512, false),
        new RedundancyPolicy(3, 2, FailureDomain.COMPARTMENT, ReplicationMode.SYNC));
    Eventually.await("vm1 known everywhere", Duration.ofSeconds(30),
        () -> cluster.nodes.stream().allMatch(n -> n.volumes().describe("vm1").isPresent()));
    SiteFollowing following = cluster.node(0).following();

    assertThatThrownBy(() -> following.moveTowardConsumer("vm1")).isInstanceOf(VolumeAdminException.class)
        .hasMessageContaining("records no consumer: name the new primary with --to NODE");
    assertThatThrownBy(() -> following.setConsumer("vm1", "z/c1")).hasMessage(
        "unknown site z in consumer z/c1 (the cluster's nodes are in a, b)");
    assertThatThrownBy(() -> following.setConsumer("vm1", "b//x")).hasMessageContaining("bad compartment name ''");
    assertThat(following.view("vm1").orElseThrow().consumer()).as("refusals change nothing").isEmpty();

    following.setConsumer("vm1", "b");
    PrimaryHandover.Result moved = following.moveTowardConsumer("vm1");
    assertThat(moved.to()).as("the only copy in site b").isEqualTo("n2");
    assertThatThrownBy(() -> cluster.node(2).following().moveTowardConsumer("vm1"))
        .hasMessageContaining("is already as near its consumer b as any reachable in-sync copy");

    // Consumed in n1's compartment now. Both copies in site a hold all n2 wrote: the consumer breaks the tie.
    cluster.node(2).following().setConsumer("vm1", "a/c2");
    try (BlockDevice d = cluster.node(2).volumes().open("vm1").orElseThrow()) {
      write(d, random(size, 2), 0, size);
    }
    Eventually.await("every copy caught up", Duration.ofSeconds(30),
        () -> cluster.node(2).volumes().describe("vm1").orElseThrow().lagBytes() == 0);
    cluster.node(2).close();
    Eventually.await("a failover", Duration.ofSeconds(60),
        () -> !cluster.node(0).volumes().describe("vm1").orElseThrow().primary().equals("n2"));
    assertThat(cluster.node(0).volumes().describe("vm1").orElseThrow().primary())
        .as("n1 is nearest the consumer (n0 would win by name)").isEqualTo("n1");
  }

  @Test
  void autoModeGoesSyncWhenCaughtUpAndAsyncWhenTheLinkHoldsWritesBack() throws Exception {
    start(4 * MIB);
    int size = 16 << 20;
    cluster.node(0).volumes().create(new VolumeSpec("db", size, TestCluster.SNIPPET * 16, 512, false),
        new RedundancyPolicy(2, 2, FailureDomain.SITE, ReplicationMode.ASYNC));
    SiteFollowing following = cluster.node(0).following();
    following.autoMode("db");
    try (BlockDevice d = cluster.node(0).volumes().open("db").orElseThrow()) {
      write(d, random(size, 3), 0, size);
      assertThat(cluster.node(0).volumes().describe("db").orElseThrow().mode())
          .as("16 MiB written at once is far more than the link took meanwhile").isEqualTo("async");
      Eventually.await("switched to sync once caught up", Duration.ofSeconds(60),
          () -> cluster.node(0).volumes().describe("db").orElseThrow().mode().equals("sync"));
      FollowView.Switch toSync = following.view("db").orElseThrow().switches().get(0);
      assertThat(toSync.from()).isEqualTo("async");
      assertThat(toSync.reason()).startsWith("lag ");

      // Sync now: writes faster than the link wait for it, and the control lets them go async.
      List<CompletableFuture<Void>> writes = new ArrayList<>();
      byte[] more = random(size, 4);
      for (int off = 0; off < size; off += 64 << 10) {
        writes.add(d.write(off, ByteBuffer.wrap(more, off, 64 << 10), false));
      }
      Eventually.await("switched back to async", Duration.ofSeconds(60),
          () -> cluster.node(0).volumes().describe("db").orElseThrow().mode().equals("async"));
      CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      List<FollowView.Switch> switches = following.view("db").orElseThrow().switches();
      assertThat(switches).extracting(FollowView.Switch::to).startsWith("sync", "async");
      assertThat(switches.get(1).reason()).contains("does not keep up");
    }
    cluster.node(0).volumes().setMode("db", ReplicationMode.SYNC);
    assertThat(following.view("db").orElseThrow().autoMode()).as("an explicit mode ends automatic control")
        .isFalse();
  }

  @Test
  void migrateToASiteCatchesUpGoesSyncAndMovesThePrimaryThere() throws Exception {
    start(8 * MIB);
    int size = 4 << 20;
    cluster.node(0).volumes().create(new VolumeSpec("vm2", size, TestCluster.SNIPPET * 16, 512, false),
        new RedundancyPolicy(2, 2, FailureDomain.SITE, ReplicationMode.ASYNC));
    cluster.node(0).volumes().create(new VolumeSpec("local", size, TestCluster.SNIPPET * 16, 512, false),
        new RedundancyPolicy(2, 2, FailureDomain.COMPARTMENT, ReplicationMode.ASYNC));
    SiteFollowing following = cluster.node(0).following();
    assertThatThrownBy(() -> following.migrate("vm2", "z", Duration.ofSeconds(30)))
        .hasMessage("unknown site z (the cluster's nodes are in a, b)");
    assertThatThrownBy(() -> following.migrate("vm2", "a", Duration.ofSeconds(30)))
        .hasMessage("the primary n0 of vm2 already is in site a");
    assertThatThrownBy(() -> following.migrate("local", "b", Duration.ofSeconds(30)))
        .hasMessage("no node in site b can take the copies of local on n1 (copies=2 spread=compartment): every node "
            + "there lacks the space or would share a compartment with another copy");
    assertThat(cluster.node(0).metadata().volume("local").orElseThrow().getMovingCount())
        .as("refused before copying anything").isZero();
    assertThatThrownBy(() -> following.migrate("nope", "b", Duration.ofSeconds(30)))
        .hasMessage("no volume named nope");
    Eventually.await("vm2 known on n1", Duration.ofSeconds(30),
        () -> cluster.node(1).volumes().describe("vm2").isPresent());
    assertThatThrownBy(() -> cluster.node(1).following().migrate("vm2", "b", Duration.ofSeconds(30)))
        .hasMessage("node n1 is not the primary of vm2; ask its primary n0");
    assertThat(following.view("vm2").orElseThrow().consumer()).as("refusals change nothing").isEmpty();

    byte[] image = random(size, 9);
    try (BlockDevice d = cluster.node(0).volumes().open("vm2").orElseThrow()) {
      write(d, image, 0, size);
      SiteMigration.Result r = following.migrate("vm2", "b", Duration.ofSeconds(60));
      assertThat(r.steps()).containsExactly("consumer recorded: b",
          "catching up (writes throttled while the lag does not shrink)", "caught up; throttle released",
          "switched to sync", r.steps().get(4));
      assertThat(r.handover().to()).isEqualTo("n2");
      ClusterVolume after = cluster.node(0).volumes().describe("vm2").orElseThrow();
      assertThat(after.primary()).isEqualTo("n2");
      assertThat(after.mode()).isEqualTo("sync");
      assertThat(following.view("vm2").orElseThrow().catchingUp()).isFalse();
      ByteBuffer back = ByteBuffer.allocate(size);
      d.read(0, back).get(30, TimeUnit.SECONDS);
      assertThat(back.array()).as("every write reads back through the door, now from site b").isEqualTo(image);
    }
    assertThat(cluster.node(2).verify("vm2").get(60, TimeUnit.SECONDS).clean()).isTrue();
  }
}
