package org.snipblock.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.snipblock.cluster.proto.SnippetPlacement;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.topology.Location;
import org.snipblock.cluster.topology.NodeDescriptor;
import org.snipblock.cluster.topology.NodeState;
import org.snipblock.cluster.topology.Placement;

/** The rebalance plan: toward an even fill, within the placement rules, never a primary's copy. */
class RebalancePlanTest {
  private static final long MIB = 1 << 20;

  @Test
  void newCapacityTakesAnEvenShareOfTheCopiesThatMayMove() {
    List<VolumeRecord> volumes = List.of(volume("a", "n1", "compartment", 8, "n1", "n2"),
        volume("b", "n2", "compartment", 8, "n2", "n1"));
    RebalancePlan.Result plan = RebalancePlan.compute(nodes("s/c1", "s/c2", "s/c3", "s/c4"), volumes, new Placement());

    assertThat(plan.moves()).hasSize(16).allSatisfy(m -> {
      assertThat(m.bytes()).isEqualTo(MIB);
      assertThat(m.from()).as("a primary's copy stays").isNotEqualTo(m.volume().equals("a") ? "n1" : "n2");
      assertThat(m.to()).isIn("n3", "n4");
    });
    Map<String, Long> planned = plan.nodes().stream()
        .collect(Collectors.toMap(RebalancePlan.Fill::node, RebalancePlan.Fill::plannedBytes));
    assertThat(planned).containsEntry("n1", 8 * MIB).containsEntry("n2", 8 * MIB).containsEntry("n3", 8 * MIB)
        .containsEntry("n4", 8 * MIB);
    assertThat(plan.nodes()).extracting(RebalancePlan.Fill::placedBytes).containsExactly(16 * MIB, 16 * MIB, 0L, 0L);
  }

  @Test
  void nodesOneCopyApartKeepTheirCopiesThoughTheirCapacitiesDifferALittle() {
    List<VolumeRecord> volumes = List.of(volume("a", "n1", "host", 4, "n1", "n2", "n3"));
    List<NodeDescriptor> nodes = List.of(node(1, "s/c1"), node(2, "s/c2"), node(3, "s/c3"),
        node(4, "s/c4").withUsage((1L << 30) + 4096, 0, 0));
    RebalancePlan.Result plan = RebalancePlan.compute(nodes, volumes, new Placement());
    assertThat(plan.moves()).extracting(RebalancePlan.Move::to).containsExactly("n4", "n4");
    assertThat(plan.nodes()).extracting(RebalancePlan.Fill::plannedBytes).containsExactly(4 * MIB, 3 * MIB, 3 * MIB,
        2 * MIB);
  }

  @Test
  void copiesStayInDistinctDomainsAtTheVolumesSpread() {
    // n3 shares n1's compartment: a copy of an entry n1 holds may not go there.
    List<VolumeRecord> volumes = List.of(volume("a", "n1", "compartment", 4, "n1", "n2"));
    RebalancePlan.Result plan = RebalancePlan.compute(nodes("s/c1", "s/c2", "s/c1"), volumes, new Placement());
    assertThat(plan.moves()).isEmpty();
    RebalancePlan.Result byHost = RebalancePlan.compute(nodes("s/c1", "s/c2", "s/c1"),
        List.of(volume("a", "n1", "host", 4, "n1", "n2")), new Placement());
    assertThat(byHost.moves()).extracting(RebalancePlan.Move::from).containsOnly("n2");
    assertThat(byHost.moves()).extracting(RebalancePlan.Move::to).containsOnly("n3");
  }

  @Test
  void aBalancedClusterOrNodesOutOfServiceGetNothing() {
    List<VolumeRecord> volumes = List.of(volume("a", "n1", "compartment", 4, "n1", "n2", "n3"));
    assertThat(RebalancePlan.compute(nodes("s/c1", "s/c2", "s/c3"), volumes, new Placement()).moves()).isEmpty();
    List<NodeDescriptor> drainingNewcomer = List.of(node(1, "s/c1"), node(2, "s/c2"), node(3, "s/c3"),
        node(4, "s/c4").withState(NodeState.DRAINING));
    assertThat(RebalancePlan.compute(drainingNewcomer, volumes, new Placement()).moves()).isEmpty();
  }

  private static VolumeRecord volume(String name, String primary, String spread, int entries, String... holders) {
    VolumeRecord.Builder v = VolumeRecord.newBuilder().setName(name).setPrimary(primary).setSpread(spread)
        .setCopies(holders.length).setMinCopies(1).setSize(entries * MIB).setSnippetSize((int) MIB);
    for (int i = 0; i < entries; i++) {
      v.addSnippets(SnippetPlacement.newBuilder().addAllNodes(List.of(holders)));
    }
    return v.build();
  }

  private static List<NodeDescriptor> nodes(String... compartments) {
    return IntStream.range(0, compartments.length).mapToObj(i -> node(i + 1, compartments[i])).toList();
  }

  private static NodeDescriptor node(int n, String compartment) {
    return new NodeDescriptor("n" + n, Location.parse(compartment + "/r1/h" + n), NodeState.UP, 1L << 30, 0, 0);
  }
}
