package org.snipblock.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.proto.SnippetPlacement;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.topology.Placement;

/** The what-if report from the metadata alone: unavailable, degraded, bytes to copy, whether it fits. */
class FailureSimulationTest {
  private static final long G = 1L << 30;
  private final FailureSimulation sim = new FailureSimulation(new Placement());

  private static NodeRecord node(String id, String location, long free) {
    return NodeRecord.newBuilder().setId(id).setMember(id + ":1").setLocation(location).setCapacityBytes(10 * G)
        .setUsedBytes(10 * G - free).build();
  }

  private static VolumeRecord volume(String name, int copies, int min, String primary, List<List<String>> snippets) {
    VolumeRecord.Builder b = VolumeRecord.newBuilder().setName(name).setCopies(copies).setMinCopies(min)
        .setSpread("compartment").setPrimary(primary).setSnippetSize(1 << 20).setSize((long) snippets.size() << 20);
    snippets.forEach(s -> b.addSnippets(SnippetPlacement.newBuilder().addAllNodes(s)));
    return b.build();
  }

  private final List<NodeRecord> nodes = List.of(node("n1", "s1/c1/r1/h1", G), node("n2", "s1/c2/r1/h2", G),
      node("n3", "s1/c3/r1/h3", G), node("n4", "s1/c3/r2/h4", G));
  private final Set<String> all = Set.of("n1:1", "n2:1", "n3:1", "n4:1");
  private final List<VolumeRecord> volumes = List.of(
      volume("three", 3, 2, "n1", List.of(List.of("n1", "n2", "n3"), List.of("n1", "n2", "n4"))),
      volume("pair", 2, 2, "n2", List.of(List.of("n2", "n1"))),
      volume("far", 2, 1, "n1", List.of(List.of("n1", "n3"))));

  @Test
  void aCompartmentListsTheLostAndTheDegradedAndWhatToCopy() {
    FailureSimulation.Report r = sim.simulate(nodes, all, volumes, "compartment", "c2");
    assertThat(r.failedNodes()).containsExactly("n2");
    assertThat(r.unavailable()).extracting(FailureSimulation.Volume::name).containsExactly("pair");
    assertThat(r.degraded()).extracting(FailureSimulation.Volume::name).containsExactly("three");
    assertThat(r.bytesToRereplicate()).isEqualTo(3L << 20);
    // Only three compartments and c2 gone: a third compartment for "three" does not exist.
    assertThat(r.capacitySuffices()).isFalse();
    assertThat(r.shortfalls()).singleElement().asString().startsWith("volume three stripe 0: cannot place 3 copies");
  }

  @Test
  void aPrimaryWithoutAFullSuccessorMakesItsVolumeUnavailable() {
    FailureSimulation.Report r = sim.simulate(nodes, all, volumes, "node", "n1");
    // "three": n2 holds both snippets, it takes over; "far": n3 holds it; "pair" keeps 1 < 2 copies.
    assertThat(r.unavailable()).extracting(FailureSimulation.Volume::name).containsExactly("pair");
    assertThat(r.degraded()).extracting(FailureSimulation.Volume::name).containsExactlyInAnyOrder("three", "far");
    FailureSimulation.Report rack = sim.simulate(nodes, all, volumes, "rack", "s1/c3/r2");
    assertThat(rack.failedNodes()).containsExactly("n4");
    assertThat(rack.capacitySuffices()).isTrue();
  }

  @Test
  void nodesAlreadyDownCountAsFailed() {
    FailureSimulation.Report r = sim.simulate(nodes, Set.of("n1:1", "n2:1", "n4:1"), volumes, "node", "n4");
    assertThat(r.unavailable()).isEmpty();
    assertThat(r.degraded()).extracting(FailureSimulation.Volume::name).containsExactlyInAnyOrder("three", "far");
  }

  @Test
  void badInputIsOneClearLine() {
    assertThatThrownBy(() -> sim.simulate(nodes, all, volumes, "planet", "x"))
        .hasMessage("unknown failure level 'planet': expected node|rack|compartment|site");
    assertThatThrownBy(() -> sim.simulate(nodes, all, volumes, "compartment", "c9"))
        .hasMessage("no compartment named c9 in the cluster (known: c1, c2, c3)");
    assertThatThrownBy(() -> sim.simulate(nodes, all, volumes, "node", ""))
        .hasMessage("which node? give its name");
  }
}
