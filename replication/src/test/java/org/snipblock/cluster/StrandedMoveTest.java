package org.snipblock.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.snipblock.cluster.testing.Images.random;
import static org.snipblock.cluster.testing.Images.read;
import static org.snipblock.cluster.testing.Images.write;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.BlockDevice;
import org.snipblock.cluster.follow.LinkFaults;
import org.snipblock.cluster.follow.SiteSettings;
import org.snipblock.cluster.proto.SnippetPlacement;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.replica.ReplicatedBlockDevice;
import org.snipblock.cluster.replica.ResyncProgress;
import org.snipblock.cluster.replica.ReplicationMode;
import org.snipblock.cluster.replica.ReplicationSettings;
import org.snipblock.cluster.testing.Eventually;
import org.snipblock.cluster.testing.Partition;
import org.snipblock.cluster.testing.TestCluster;
import org.snipblock.cluster.topology.FailureDomain;
import org.snipblock.store.VolumeSpec;

/**
 * A move that loses a node mid-way ends instead of showing as moving forever: when the draining
 * node (the move's source and driver) is lost (cut off, as a crash looks to the others), the leader
 * finishes the move once its target is in sync; when the target dies, the leader retargets the move
 * to another node in one step and the drain follows it; when no other node may take the copy, the
 * move waits and resumes once its target is back. Re-replication waits ten minutes here, so it
 * cannot be what ends them. A move whose target's stream breaks while its resync pauses after the
 * last compare puts the target on record in sync only with the write it missed meanwhile.
 */
class StrandedMoveTest {
  private static final int SNIPPET = 1 << 20;
  private static final int SNIPPETS = 6;
  private static final Duration T = Duration.ofSeconds(90);
  // 256 KiB/s: a written 1 MiB copy takes seconds to move, long enough to be caught mid-way.
  private static final ReplicationSettings SLOW_MOVES = new ReplicationSettings(1 << 20, Duration.ofSeconds(10),
      256 << 10, Duration.ofSeconds(1), Duration.ofMinutes(10));

  @TempDir Path dir;
  private TestCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aDrainingNodeCutOffMidMoveLeavesNoMoveBehind() throws Exception {
    cluster = TestCluster.start(dir, SLOW_MOVES, "dc/fc1/r1/h1", "dc/fc2/r1/h2", "dc/fc3/r1/h3", "dc/fc4/r1/h4");
    ClusterNode primary = filledVolumeOnN1();
    primary.drains().drain("n0");
    ClusterStatus.Move caught = inFlightFrom("n0");
    // As a crash, for the others: n0 can neither finish nor undo its move (a close would undo it).
    Partition.cut(List.of(cluster.node(0)), cluster.nodes.subList(1, 4));

    Eventually.await("the move off the cut-off n0 ended", T, () -> primary.status().moving().isEmpty(),
        () -> primary.status().moving().toString());
    ClusterVolume v = primary.volumes().describe("vm").orElseThrow();
    assertThat(v.snippetReplicas().get((int) caught.snippet())).as("the stripe caught moving")
        .contains(caught.to()).doesNotContain("n0").hasSize(3);
    assertThat(v.stale()).doesNotContain(caught.to());
    assertThat(primary.verify("vm").get(60, TimeUnit.SECONDS).clean()).isTrue();
  }

  @Test
  void aMoveWhoseTargetDiesGoesOnElsewhereInOneStepAndTheDrainFollows() throws Exception {
    cluster = TestCluster.start(dir, SLOW_MOVES, "dc/fc1/r1/h1", "dc/fc2/r1/h2", "dc/fc3/r1/h3", "dc/fc4/r1/h4",
        "dc/fc5/r1/h5");
    ClusterNode primary = filledVolumeOnN1();
    NodeDrain drains = primary.drains();
    drains.drain("n0");
    ClusterStatus.Move caught = inFlightFrom("n0");
    String target = caught.to();
    // Every record the primary applies: the caught stripe, while n0 still holds it, always has a move off n0
    // under way (retargeted in one step, never cancelled and begun again).
    java.util.List<String> gaps = new java.util.concurrent.CopyOnWriteArrayList<>();
    primary.metadata().onVolumeChange(r -> {
      if (r.getName().equals("vm") && r.getSnippets((int) caught.snippet()).getNodesList().contains("n0")
          && r.getMovingList().stream().noneMatch(c -> c.getSnippet() == caught.snippet() && c.getFrom().equals("n0"))) {
        gaps.add("version " + r.getVersion() + ": " + r.getSnippets((int) caught.snippet()).getNodesList());
      }
    });
    cluster.node(Integer.parseInt(target.substring(1))).close();

    Eventually.await("n0 drained without " + target, T, () -> drains.progress("n0").state().equals("DRAINED"),
        () -> drains.progress("n0").toString());
    assertThat(primary.status().moving()).isEmpty();
    assertThat(gaps).as("records with the caught stripe on n0 and no move off n0").isEmpty();
    for (List<String> holders : primary.volumes().describe("vm").orElseThrow().snippetReplicas()) {
      assertThat(holders).doesNotContain("n0").doesNotHaveDuplicates();
    }
    assertThat(primary.volumes().describe("vm").orElseThrow().snippetReplicas().get((int) caught.snippet()))
        .as("the caught stripe").doesNotContain(target).hasSize(3);
    // Every copy but the dead target's (re-replicated only after ten minutes) agrees with the primary's.
    assertThat(primary.verify("vm").get(60, TimeUnit.SECONDS).copies()).filteredOn(c -> !c.node().equals(target))
        .isNotEmpty().allMatch(c -> c.chunksDiffering() == 0 && c.chunksBadChecksum() == 0 && c.error() == null);
  }

  /**
   * Four compartments and three copies: the stripe moving off n0 can only go to the one node that
   * lacks it. That node blips (stopped for longer than three failover delays, then started again):
   * the move stays under way meanwhile (n0 keeps its copy: no stripe has fewer in-sync copies), and
   * resumes once it is back; the drain ends with the copy there.
   */
  @Test
  void aMoveWhoseOnlyPossibleTargetBlipsWaitsAndResumes() throws Exception {
    cluster = TestCluster.start(dir, SLOW_MOVES, "dc/fc1/r1/h1", "dc/fc2/r1/h2", "dc/fc3/r1/h3", "dc/fc4/r1/h4");
    ClusterNode primary = filledVolumeOnN1();
    NodeDrain drains = primary.drains();
    drains.drain("n0");
    ClusterStatus.Move caught = inFlightFrom("n0");
    int t = Integer.parseInt(caught.to().substring(1));
    cluster.node(t).close();
    long[] downSince = {0};
    Eventually.await(caught.to() + " seen down for three failover delays", T, () -> {
      boolean down = primary.status().nodes().stream().anyMatch(n -> n.id().equals(caught.to())
          && n.state().equals("DOWN"));
      if (down && downSince[0] == 0) {
        downSince[0] = System.nanoTime();
      }
      return down && System.nanoTime() - downSince[0] > 3 * SLOW_MOVES.failoverDelay().toNanos();
    });
    assertThat(primary.status().moving()).as("the move still under way").anyMatch(caught::same);
    assertThat(primary.metadata().volume("vm").orElseThrow().getSnippets((int) caught.snippet()).getNodesList())
        .as("n0 kept its copy").contains("n0");
    cluster.restart(t);

    Eventually.await("n0 drained", T, () -> drains.progress("n0").state().equals("DRAINED"),
        () -> drains.progress("n0").toString());
    ClusterVolume v = primary.volumes().describe("vm").orElseThrow();
    assertThat(v.snippetReplicas().get((int) caught.snippet())).as("the caught stripe").contains(caught.to())
        .doesNotContain("n0").hasSize(3);
    Eventually.await("every copy in sync", T, () -> primary.volumes().describe("vm").orElseThrow().stale().isEmpty());
    assertThat(primary.verify("vm").get(60, TimeUnit.SECONDS).clean()).isTrue();
  }

  /**
   * The copy-move race (issue #14): the resync of a moving copy has compared the stripe's last
   * snippet and pauses (its byte rate) after the last copies; the target's stream breaks then (as when the target refused
   * ops as an unknown volume), and a write to the stripe reaches every copy but the target's. The
   * resync ends without an error: it must not put the target on record in sync, since that write
   * is not there. Checked on every node as it applies each record (the leader applies before the
   * primary hears back, so before any later resync could mend the copy).
   */
  @Test
  void aMovingCopyWhoseStreamBrokeAfterTheLastCompareIsNotRecordedInSyncWithoutTheWriteItMissed()
      throws Exception {
    SiteSettings d = SiteSettings.defaults();
    // 128 KiB/s: the resync pauses four seconds after each batch of eight 64 KiB copies is acknowledged.
    ReplicationSettings slower = new ReplicationSettings(1 << 20, Duration.ofSeconds(10), 128 << 10,
        Duration.ofSeconds(1), Duration.ofMinutes(10));
    cluster = TestCluster.start(dir, slower, new SiteSettings(d.syncBound(), d.autoSyncLagBytes(),
        d.autoAsyncWait(), d.balloonFloorBytesPerSecond(), null, true),
        "dc/fc1/r1/h1", "dc/fc2/r1/h2", "dc/fc3/r1/h3", "dc/fc4/r1/h4");
    ClusterNode primary = filledVolumeOnN1();
    // A stripe is one snippet here; its copy moves from a holder other than the primary to the node lacking it.
    int stripe = 0;
    SnippetPlacement placed = primary.metadata().volume("vm").orElseThrow().getSnippets(stripe);
    String to = cluster.nodes.stream().map(ClusterNode::nodeId).filter(n -> !placed.getNodesList().contains(n))
        .findFirst().orElseThrow();
    String from = placed.getNodesList().stream().filter(n -> !n.equals("n1")).findFirst().orElseThrow();
    int target = Integer.parseInt(to.substring(1));
    byte[] missed = random(16 << 10, 11);
    long at = (long) stripe * SNIPPET;
    AtomicBoolean acknowledged = new AtomicBoolean();
    List<String> inSyncWithout = new CopyOnWriteArrayList<>();
    for (ClusterNode n : cluster.nodes) {
      n.metadata().onVolumeChange(r -> {
        if (acknowledged.get() && r.getName().equals("vm") && holdsInSync(r, stripe, to)) {
          try (BlockDevice copy = cluster.stores.get(target).open("vm").orElseThrow()) {
            if (!Arrays.equals(read(copy, at, missed.length), missed)) {
              inSyncWithout.add("version " + r.getVersion() + " as " + n.nodeId() + " applied it");
            }
          } catch (Exception e) {
            inSyncWithout.add("version " + r.getVersion() + ": copy on " + to + " unreadable: " + e);
          }
        }
      });
    }
    ReplicatedBlockDevice device = primary.primaryDevice("vm").orElseThrow();
    CompletableFuture<Void> moved = CompletableFuture.runAsync(
        () -> new CopyMove(primary, "vm", stripe, from, to).run(T));

    Eventually.await("the resync of " + to + " pausing after its last copies", T, () -> resyncOf(device, to)
        .filter(p -> p.running() && p.snippetsDone() == 0 && p.bytesCopied() == SNIPPET).isPresent()
        && device.replicaProgress().getOrDefault(to, new long[] {1, 0})[0] == 0,
        () -> device.resyncProgress() + " " + device.replicaProgress().keySet());
    LinkFaults faults = primary.membership().linkFaults().orElseThrow();
    faults.set(new LinkFaults.State(Set.of(to), Set.of(), Duration.ZERO));
    Eventually.await("the stream to " + to + " broken", T, () -> device.unreachableReplicas().contains(to));
    faults.set(LinkFaults.State.NONE);
    try (BlockDevice door = primary.volumes().open("vm").orElseThrow()) {
      door.write(at, ByteBuffer.wrap(missed), false).get(60, TimeUnit.SECONDS);
      door.flush().get(60, TimeUnit.SECONDS);
    }
    acknowledged.set(true);
    assertThat(resyncOf(device, to)).as("the resync of %s still pausing once the write was acknowledged", to)
        .hasValueSatisfying(p -> assertThat(p.running()).isTrue());

    moved.get(T.toSeconds(), TimeUnit.SECONDS);
    assertThat(inSyncWithout).as("records with %s in sync for stripe %d while its copy lacked the write", to, stripe)
        .isEmpty();
    // The driver's commit may run ahead of its node's applier.
    Eventually.await(from + " let go of stripe " + stripe, T, () -> !primary.metadata().volume("vm").orElseThrow()
        .getSnippets(stripe).getNodesList().contains(from));
    assertThat(primary.metadata().volume("vm").orElseThrow().getSnippets(stripe).getNodesList()).contains(to);
    try (BlockDevice copy = cluster.stores.get(target).open("vm").orElseThrow()) {
      assertThat(read(copy, at, missed.length)).isEqualTo(missed);
    }
    assertThat(primary.verify("vm").get(60, TimeUnit.SECONDS).clean()).isTrue();
  }

  private static boolean holdsInSync(VolumeRecord r, int stripe, String node) {
    return r.getSnippetsCount() > stripe && r.getSnippets(stripe).getNodesList().contains(node)
        && !r.getSnippets(stripe).getStaleList().contains(node);
  }

  private static java.util.Optional<ResyncProgress> resyncOf(ReplicatedBlockDevice device, String node) {
    return device.resyncProgress().stream().filter(p -> p.node().equals(node) && p.purpose().equals("resync"))
        .findFirst();
  }

  /** A written volume whose primary is n1 (holding every stripe); n0 holds copies of some. */
  private ClusterNode filledVolumeOnN1() throws Exception {
    ClusterNode primary = cluster.node(1);
    primary.volumes().create(new VolumeSpec("vm", (long) SNIPPETS * SNIPPET, SNIPPET, 512, false),
        new RedundancyPolicy(3, 2, FailureDomain.COMPARTMENT, ReplicationMode.SYNC));
    Eventually.await("vm known on every node", T,
        () -> cluster.nodes.stream().allMatch(n -> n.volumes().describe("vm").isPresent()));
    try (BlockDevice door = primary.volumes().open("vm").orElseThrow()) {
      write(door, random(SNIPPETS * SNIPPET, 5), 0, SNIPPETS * SNIPPET);
      door.flush().get(60, TimeUnit.SECONDS);
    }
    assertThat(primary.volumes().describe("vm").orElseThrow().snippetReplicas()).anyMatch(h -> h.contains("n0"));
    return primary;
  }

  private ClusterStatus.Move inFlightFrom(String node) {
    ClusterStatus.Move[] caught = new ClusterStatus.Move[1];
    Eventually.await("a copy moving off " + node, T, () -> {
      caught[0] = cluster.node(1).status().moving().stream().filter(m -> m.from().equals(node)).findFirst()
          .orElse(null);
      return caught[0] != null;
    });
    return caught[0];
  }
}
