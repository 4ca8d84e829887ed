package org.snipblock.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.snipblock.cluster.testing.Images.random;
import static org.snipblock.cluster.testing.Images.write;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
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
}
