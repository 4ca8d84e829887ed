package org.snipblock.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.snipblock.cluster.testing.Images.random;
import static org.snipblock.cluster.testing.Images.write;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.BlockDevice;
import org.snipblock.cluster.proto.SnippetPlacement;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.replica.ReplicationMode;
import org.snipblock.cluster.replica.ReplicationSettings;
import org.snipblock.cluster.testing.TestCluster;
import org.snipblock.cluster.topology.FailureDomain;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeSpec;

/**
 * {@code volume set --copies/--min-copies/--spread} on a live volume: new copies are built and in
 * sync before any old one is dropped; a policy the cluster cannot hold is refused with nothing changed.
 */
class RedundancyChangeTest {
  private static final Duration T = Duration.ofSeconds(60);
  private static final int SIZE = 1 << 20;
  @TempDir Path dir;
  private TestCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private VolumeRecord record() {
    return cluster.node(0).metadata().volume("vm1").orElseThrow();
  }

  private void assertPlaced(int copies) {
    VolumeRecord v = record();
    for (SnippetPlacement s : v.getSnippetsList()) {
      assertThat(s.getNodesList()).as("stripe holders").hasSize(copies).startsWith("n0");
      assertThat(s.getStaleList()).isEmpty();
      Set<String> compartments = new HashSet<>();
      s.getNodesList().forEach(n -> compartments.add("fc" + (Integer.parseInt(n.substring(1)) + 1)));
      assertThat(compartments).as("one copy per compartment").hasSize(copies);
    }
  }

  @Test
  void copiesAreAddedInSyncBeforeAnyIsDroppedAndAnImpossiblePolicyChangesNothing() throws Exception {
    cluster = TestCluster.start(dir, new ReplicationSettings(1 << 20, Duration.ofSeconds(10), 0,
        Duration.ofSeconds(1), Duration.ofMinutes(10)), "dc/fc1/r1/h1", "dc/fc2/r1/h2", "dc/fc3/r1/h3",
        "dc/fc4/r1/h4");
    cluster.node(0).volumes().create(new VolumeSpec("vm1", SIZE, TestCluster.SNIPPET, 512, false),
        new RedundancyPolicy(2, 1, FailureDomain.COMPARTMENT, ReplicationMode.SYNC));
    byte[] image = random(SIZE, 60);
    try (BlockDevice d = cluster.node(0).volumes().open("vm1").orElseThrow()) {
      write(d, image, 0, SIZE);
    }
    assertPlaced(2);

    String grown = cluster.node(1).volumes().setRedundancy("vm1", 3, 2, FailureDomain.COMPARTMENT, T);
    assertThat(grown).isEqualTo("volume vm1: copies 3 (min 2), spread compartment: 16 copies added, 0 dropped");
    assertThat(record().getCopies()).isEqualTo(3);
    assertThat(record().getMinCopies()).isEqualTo(2);
    assertPlaced(3);
    assertThat(cluster.node(0).verify("vm1").get(60, TimeUnit.SECONDS).clean()).as("every new copy holds the data")
        .isTrue();

    VolumeRecord before = record();
    assertThatThrownBy(() -> cluster.node(0).volumes().setRedundancy("vm1", 5, 2, FailureDomain.COMPARTMENT, T))
        .isInstanceOf(VolumeAdminException.class).hasMessageStartingWith("volume vm1 cannot have copies=5 "
            + "spread=compartment: cannot place 5 copies").hasMessageEndingWith("; nothing changed");
    assertThatThrownBy(() -> cluster.node(0).volumes().setRedundancy("vm1", 2, 2, FailureDomain.SITE, T))
        .hasMessageContaining("the live cluster has only 1 distinct site(s)");
    assertThatThrownBy(() -> cluster.node(0).volumes().setRedundancy("vm1", 2, 3, FailureDomain.COMPARTMENT, T))
        .hasMessage("volume vm1: copies 2 and min-copies 3 must be 1 <= min-copies <= copies");
    assertThat(record()).as("refusals change nothing").isEqualTo(before);

    String shrunk = cluster.node(0).volumes().setRedundancy("vm1", 2, 1, FailureDomain.COMPARTMENT, T);
    assertThat(shrunk).endsWith("0 copies added, 16 dropped");
    assertPlaced(2);
    assertThat(cluster.node(0).verify("vm1").get(60, TimeUnit.SECONDS).clean()).isTrue();
  }

  @Test
  void sitesSpreadTheCopiesOverTheNamedSitesAndBadSitesChangeNothing() throws Exception {
    cluster = TestCluster.start(dir, new ReplicationSettings(1 << 20, Duration.ofSeconds(10), 0,
        Duration.ofSeconds(1), Duration.ofMinutes(10)), "a/fc1/r1/h1", "a/fc2/r1/h2", "b/fc1/r1/h3", "b/fc2/r1/h4");
    cluster.node(0).volumes().create(new VolumeSpec("vm1", SIZE, TestCluster.SNIPPET, 512, false),
        new RedundancyPolicy(2, 1, FailureDomain.COMPARTMENT, ReplicationMode.SYNC));
    byte[] image = random(SIZE, 61);
    try (BlockDevice d = cluster.node(0).volumes().open("vm1").orElseThrow()) {
      write(d, image, 0, SIZE);
    }
    assertThat(record().getSnippetsList()).as("both copies near the primary, in site a")
        .allSatisfy(s -> assertThat(s.getNodesList()).containsExactly("n0", "n1"));

    VolumeRecord before = record();
    assertThatThrownBy(() -> cluster.node(1).volumes().setRedundancy("vm1", 2, 1, FailureDomain.COMPARTMENT,
        List.of("a", "z"), T)).isInstanceOf(VolumeAdminException.class)
        .hasMessage("volume vm1: unknown site z in sites a,z (the cluster's nodes are in a, b); nothing changed");
    assertThatThrownBy(() -> cluster.node(1).volumes().setRedundancy("vm1", 1, 1, FailureDomain.COMPARTMENT,
        List.of("a", "b"), T)).hasMessage("volume vm1: sites a,b name 2 sites but the volume has 1 copy: each site "
        + "named holds a copy of every snippet; nothing changed");
    assertThatThrownBy(() -> cluster.node(1).volumes().setRedundancy("vm1", 2, 1, FailureDomain.COMPARTMENT,
        List.of("b"), T)).hasMessage("volume vm1: its primary n0 is in site a, not one of b: name site a too until "
        + "the primary moved (volume move-primary) to a copy in the new sites; nothing changed");
    assertThat(record()).as("refusals change nothing").isEqualTo(before);

    String spread = cluster.node(1).volumes().setRedundancy("vm1", 2, 1, FailureDomain.COMPARTMENT,
        List.of("a", "b"), T);
    assertThat(spread).isEqualTo("volume vm1: copies 2 (min 1), spread compartment, sites a,b: 16 copies added, "
        + "16 dropped");
    assertThat(record().getSitesList()).containsExactly("a", "b");
    assertThat(record().getSnippetsList()).as("the primary's copy and one in site b").allSatisfy(s -> {
      assertThat(s.getNodesList()).hasSize(2).startsWith("n0");
      assertThat(s.getNodes(1)).isIn("n2", "n3");
      assertThat(s.getStaleList()).isEmpty();
    });
    assertThat(cluster.node(0).verify("vm1").get(60, TimeUnit.SECONDS).clean()).as("the copies in b hold the data")
        .isTrue();
    // the sites stay when only the copies change; lifted with an empty list
    assertThat(cluster.node(0).volumes().setRedundancy("vm1", 3, 1, FailureDomain.COMPARTMENT, T))
        .startsWith("volume vm1: copies 3 (min 1), spread compartment, sites a,b: 16 copies added, 0 dropped");
    assertThat(cluster.node(0).volumes().setRedundancy("vm1", 3, 1, FailureDomain.COMPARTMENT, List.of(), T))
        .isEqualTo("volume vm1: copies 3 (min 1), spread compartment: 0 copies added, 0 dropped");
    assertThat(record().getSitesList()).isEmpty();
  }
}
