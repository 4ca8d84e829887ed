package org.snipblock.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.cluster.follow.LinkFaults;
import org.snipblock.cluster.follow.SiteSettings;
import org.snipblock.cluster.replica.ReplicationSettings;
import org.snipblock.cluster.testing.Eventually;
import org.snipblock.cluster.testing.TestCluster;

/**
 * A test's link faults on the cluster channel: a node cut off on both sides leaves the others'
 * view and comes back once healed; slowed links show in the measured round trips; an unknown node
 * is refused with nothing changed. (Their gRPC side shows in the fault schedule's logs: "link to n2
 * cut (test fault)".)
 */
class LinkFaultsTest {
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
  void aCutNodeLeavesTheViewUntilHealedAndASlowOneShowsInTheRoundTrips() throws Exception {
    SiteSettings d = SiteSettings.defaults();
    cluster = TestCluster.start(dir, new ReplicationSettings(8 << 20, Duration.ofSeconds(5), 0, Duration.ofSeconds(1),
        Duration.ofMinutes(10)), new SiteSettings(d.syncBound(), d.autoSyncLagBytes(), d.autoAsyncWait(),
        d.balloonFloorBytesPerSecond(), null, true), "dc/fc1/r1/h1", "dc/fc2/r1/h2", "dc/fc3/r1/h3");
    LinkFaults f0 = faults(0);
    LinkFaults f1 = faults(1);
    LinkFaults f2 = faults(2);

    assertThatThrownBy(() -> f0.set(new LinkFaults.State(Set.of("n9"), Set.of(), Duration.ZERO)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no node n9");
    assertThat(f0.state()).as("nothing changed").isEqualTo(LinkFaults.State.NONE);
    assertThatThrownBy(() -> new LinkFaults.State(Set.of(), Set.of("n1"), Duration.ZERO))
        .hasMessageContaining("slowed links need a delay above 0");
    assertThatThrownBy(() -> new LinkFaults.State(Set.of(), Set.of("n1"), Duration.ofSeconds(2)))
        .hasMessageContaining("link delay must be 0..1s");

    f0.set(new LinkFaults.State(Set.of("n2"), Set.of(), Duration.ZERO));
    f1.set(new LinkFaults.State(Set.of("n2"), Set.of(), Duration.ZERO));
    f2.set(new LinkFaults.State(Set.of("n0", "n1"), Set.of(), Duration.ZERO));
    Eventually.await("n2 out of the others' view and alone in its own", T,
        () -> cluster.node(0).membership().view().size() == 2 && cluster.node(2).membership().view().size() == 1);

    for (LinkFaults f : new LinkFaults[] {f0, f1, f2}) {
      f.set(LinkFaults.State.NONE);
    }
    Eventually.await("the three in one view again", T, () -> cluster.nodes.stream()
        .allMatch(n -> n.membership().view().size() == 3));

    Duration delay = Duration.ofMillis(100);
    f0.set(new LinkFaults.State(Set.of(), Set.of("n2"), delay));
    f1.set(new LinkFaults.State(Set.of(), Set.of("n2"), delay));
    f2.set(new LinkFaults.State(Set.of(), Set.of("n0", "n1"), delay));
    // Each way held back once (where it comes in): a round trip to the slow node takes twice the delay.
    Eventually.await("the slowed links measured", T, () -> cluster.node(0).membership().rttMillis().entrySet().stream()
        .anyMatch(e -> e.getKey().equals(cluster.node(2).membership().self().toString()) && e.getValue() > 150));
  }

  private LinkFaults faults(int node) {
    return cluster.node(node).membership().linkFaults().orElseThrow();
  }
}
