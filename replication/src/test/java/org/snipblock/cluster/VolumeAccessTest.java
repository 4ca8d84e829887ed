package org.snipblock.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.cluster.proto.SetAccess;
import org.snipblock.cluster.proto.VolumeAccess;
import org.snipblock.cluster.replica.ReplicationMode;
import org.snipblock.cluster.replica.ReplicationSettings;
import org.snipblock.cluster.testing.Eventually;
import org.snipblock.cluster.testing.Partition;
import org.snipblock.cluster.testing.TestCluster;
import org.snipblock.cluster.topology.FailureDomain;
import org.snipblock.store.VolumeSpec;

/**
 * A volume's cluster-wide access across three in-process nodes: a change answers once every node in
 * view enforced it, and a node cut off from the majority admits nobody to a restricted volume and
 * closes what it has, since it cannot learn of revokes.
 */
class VolumeAccessTest {
  private static final Duration T = Duration.ofSeconds(60);
  private static final String A = "iqn.2026-12.test:host-a";
  private static final String B = "iqn.2026-12.test:host-b";
  @TempDir Path dir;
  private TestCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void everyNodeInViewEnforcesAChangeBeforeItAnswersAndACutOffNodeAdmitsNobody() throws Exception {
    cluster = TestCluster.threeCompartments(dir, new ReplicationSettings(8 << 20, Duration.ofSeconds(5), 0,
        Duration.ofSeconds(1), Duration.ofMinutes(10)));
    cluster.node(0).volumes().create(new VolumeSpec("vm1", 1 << 20, TestCluster.SNIPPET, 512, false),
        new RedundancyPolicy(3, 2, FailureDomain.COMPARTMENT, ReplicationMode.SYNC));
    // What each node's doors were asked to close (the doors themselves live in the node module).
    List<ConcurrentLinkedQueue<String>> closed = List.of(new ConcurrentLinkedQueue<>(),
        new ConcurrentLinkedQueue<>(), new ConcurrentLinkedQueue<>());
    for (int i = 0; i < 3; i++) {
      ConcurrentLinkedQueue<String> asked = closed.get(i);
      cluster.node(i).access().gate(volume -> {
        asked.add(volume);
        return CompletableFuture.completedFuture(null);
      });
    }

    VolumeAccessControl.Change allowed = cluster.node(1).access().set(SetAccess.newBuilder().setName("vm1")
        .addAllowInitiators(A).addAllowInitiators(B).build());
    assertThat(allowed.confirmed()).containsExactly("n0", "n1", "n2");
    assertThat(allowed.unconfirmed()).isEmpty();
    for (int i = 0; i < 3; i++) {
      // Confirmed means applied there: every node's doors see the list now, not eventually.
      assertThat(VolumeAccessControl.initiators(cluster.node(i).access().forDoors("vm1"))).containsExactly(A, B);
      assertThat(closed.get(i)).contains("vm1");
    }

    ClusterNode cutOff = cluster.node(2);
    Partition p = Partition.cut(List.of(cutOff), List.of(cluster.node(0), cluster.node(1)));
    Eventually.await("n2 out of the majority", T, () -> !cutOff.inMajority());
    Eventually.await("n0 sees n2 gone", T, () -> cluster.node(0).view().size() == 2);
    assertThat(VolumeAccessControl.initiators(cutOff.access().forDoors("vm1"))).as("cut off: nobody gets in")
        .isEmpty();
    Eventually.await("n2 closing its connections to vm1", T, () -> closed.get(2).size() >= 2);

    VolumeAccessControl.Change revoked = cluster.node(0).access().set(SetAccess.newBuilder().setName("vm1")
        .addRevokeInitiators(A).build());
    assertThat(revoked.access().getInitiatorsList()).containsExactly(B);
    assertThat(revoked.confirmed()).containsExactly("n0", "n1");
    assertThat(revoked.unconfirmed()).containsExactly("n2");

    p.heal();
    Eventually.await("n2 back in the majority with the revoke", T, () -> cutOff.inMajority()
        && cutOff.access().show("vm1").getVersion() == revoked.access().getVersion());
    VolumeAccess back = cutOff.access().forDoors("vm1").orElseThrow();
    assertThat(back.getInitiatorsList()).containsExactly(B);
  }
}
