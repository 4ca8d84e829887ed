package org.snipblock.cluster.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class PlacementTest {
  private static final long GIB = 1L << 30;
  private static final long SNIPPET = 4L << 20;

  private final Placement placement = new Placement();

  /** Six nodes: three compartments, two racks each, one host per rack. */
  private static List<NodeDescriptor> sixNodes() {
    List<NodeDescriptor> nodes = new ArrayList<>();
    for (int c = 1; c <= 3; c++) {
      for (int r = 1; r <= 2; r++) {
        String id = "n" + c + r;
        nodes.add(new NodeDescriptor(id, Location.parse("dc/fc" + c + "/r" + r + "/" + id),
            NodeState.UP, 10 * GIB, 0, 0.0));
      }
    }
    return nodes;
  }

  private static Map<String, NodeDescriptor> byId(List<NodeDescriptor> nodes) {
    return nodes.stream().collect(Collectors.toMap(NodeDescriptor::id, n -> n));
  }

  @Test
  void sixNodesThreeCompartmentsTwoRacks_compartmentSpread() {
    List<NodeDescriptor> nodes = sixNodes();
    Map<String, NodeDescriptor> ids = byId(nodes);
    Placement.Result r = placement.place(nodes,
        new Placement.Request(3, FailureDomain.COMPARTMENT, "n11", SNIPPET, 60));

    assertThat(r.primary()).isEqualTo("n11");
    assertThat(r.replicas()).hasSize(60);
    Map<String, Integer> perNode = new HashMap<>();
    for (List<String> copies : r.replicas()) {
      assertThat(copies).hasSize(3).doesNotHaveDuplicates();
      assertThat(copies.get(0)).as("primary holds every snippet").isEqualTo("n11");
      Set<String> compartments = copies.stream()
          .map(id -> ids.get(id).location().domain(FailureDomain.COMPARTMENT))
          .collect(Collectors.toSet());
      assertThat(compartments).hasSize(3);
      copies.forEach(id -> perNode.merge(id, 1, Integer::sum));
    }
    // The other copies are balanced over both racks of the two other compartments.
    assertThat(perNode).doesNotContainKey("n12");
    for (String other : List.of("n21", "n22", "n31", "n32")) {
      assertThat(perNode.get(other)).as(other).isEqualTo(30);
    }
  }

  @Test
  void rackSpreadPrefersTheOtherRackOfThePrimarysCompartment() {
    List<NodeDescriptor> nodes = sixNodes();
    Placement.Result r = placement.place(nodes,
        new Placement.Request(2, FailureDomain.RACK, "n21", SNIPPET, 10));
    for (List<String> copies : r.replicas()) {
      assertThat(copies).containsExactly("n21", "n22");
    }
    Placement.Result three = placement.place(nodes,
        new Placement.Request(3, FailureDomain.RACK, "n21", SNIPPET, 8));
    Set<String> thirds = new HashSet<>();
    for (List<String> copies : three.replicas()) {
      assertThat(copies.subList(0, 2)).containsExactly("n21", "n22");
      thirds.add(copies.get(2));
    }
    assertThat(thirds).containsExactlyInAnyOrder("n11", "n12", "n31", "n32");
  }

  @Test
  void balancesFreeSpaceAndLoad() {
    List<NodeDescriptor> nodes = new ArrayList<>(sixNodes());
    Map<String, NodeDescriptor> ids = byId(nodes);
    nodes.replaceAll(n -> switch (n.id()) {
      case "n21" -> n.withUsage(10 * GIB, 9 * GIB, 0.0);   // nearly full
      case "n31" -> n.withUsage(10 * GIB, 0, 0.9);          // hot
      default -> n;
    });
    Placement.Result r = placement.place(nodes,
        new Placement.Request(3, FailureDomain.COMPARTMENT, "n11", SNIPPET, 4));
    for (List<String> copies : r.replicas()) {
      assertThat(copies).startsWith("n11").contains("n22").hasSize(3);
    }
    // The hot node counts as holding two stripes more: of four it takes one, the idle n32 three.
    assertThat(r.replicas().stream().filter(c -> c.contains("n32")).count()).isEqualTo(3);
    assertThat(r.replicas().stream().filter(c -> c.contains("n31")).count()).isEqualTo(1);
    assertThat(ids).hasSize(6);
  }

  @Test
  void refusesWhenTheTopologyHasTooFewDomains() {
    assertThatThrownBy(() -> placement.place(sixNodes(),
        new Placement.Request(4, FailureDomain.COMPARTMENT, "n11", SNIPPET, 1)))
        .isInstanceOf(PlacementException.class)
        .hasMessageContaining("only 3 distinct compartment(s)");
    assertThatThrownBy(() -> placement.place(sixNodes(),
        new Placement.Request(2, FailureDomain.SITE, null, SNIPPET, 1)))
        .isInstanceOf(PlacementException.class)
        .hasMessageContaining("spread=site");
  }

  @Test
  void ignoresDownNodesAndRefusesWhenTheyWereNeeded() {
    List<NodeDescriptor> nodes = new ArrayList<>(sixNodes());
    nodes.replaceAll(n -> n.id().startsWith("n3") ? n.withState(NodeState.DOWN) : n);
    assertThatThrownBy(() -> placement.place(nodes,
        new Placement.Request(3, FailureDomain.COMPARTMENT, "n11", SNIPPET, 1)))
        .hasMessageContaining("only 2 distinct compartment(s)");
    Placement.Result r = placement.place(nodes,
        new Placement.Request(3, FailureDomain.RACK, "n11", SNIPPET, 1));
    assertThat(r.replicas().get(0)).doesNotContain("n31", "n32");
  }

  @Test
  void refusesWhenSpaceRunsOutAndSaysWhere() {
    List<NodeDescriptor> nodes = new ArrayList<>(sixNodes());
    nodes.replaceAll(n -> n.id().startsWith("n2") ? n.withUsage(10 * GIB, 10 * GIB, 0) : n);
    assertThatThrownBy(() -> placement.place(nodes,
        new Placement.Request(3, FailureDomain.COMPARTMENT, "n11", SNIPPET, 1)))
        .hasMessageContaining("have a live node that is not full");
  }

  @Test
  void refusesAnUnknownPrimary() {
    assertThatThrownBy(() -> placement.place(sixNodes(),
        new Placement.Request(1, FailureDomain.HOST, "nope", SNIPPET, 1)))
        .hasMessageContaining("primary node nope");
  }

  @Test
  void choosesTheEmptiestPrimaryWhenNoneIsAsked() {
    List<NodeDescriptor> nodes = new ArrayList<>(sixNodes());
    nodes.replaceAll(n -> n.id().equals("n32") ? n : n.withUsage(10 * GIB, GIB, 0));
    Placement.Result r = placement.place(nodes,
        new Placement.Request(2, FailureDomain.COMPARTMENT, null, SNIPPET, 1));
    assertThat(r.primary()).isEqualTo("n32");
  }

  @Test
  void replacementKeepsSurvivorsAndFillsTheMissingDomain() {
    List<NodeDescriptor> nodes = new ArrayList<>(sixNodes());
    nodes.replaceAll(n -> n.id().equals("n21") ? n.withState(NodeState.DOWN) : n);
    List<String> added = placement.replace(nodes,
        new Placement.Request(3, FailureDomain.COMPARTMENT, "n11", SNIPPET, 1), List.of("n11", "n31"));
    assertThat(added).containsExactly("n22");
  }

  @Test
  void requestValidation() {
    assertThatThrownBy(() -> new Placement.Request(0, FailureDomain.HOST, null, SNIPPET, 1))
        .hasMessageContaining("copies");
    assertThatThrownBy(() -> new Placement.Request(1, null, null, SNIPPET, 1))
        .hasMessageContaining("spread");
    assertThatThrownBy(() -> new Placement.Request(1, FailureDomain.HOST, null, 0, 1))
        .hasMessageContaining("geometry");
  }

  @Test
  void aMovingCopyGoesToANodeKeepingTheSpreadPreferringEmptierThenNearerByRoundTrip() {
    List<NodeDescriptor> nodes = sixNodes();
    Placement.Request r = new Placement.Request(3, FailureDomain.COMPARTMENT, "n11", SNIPPET, 1);
    List<List<String>> holders = List.of(List.of("n11", "n21", "n31"));
    // n21 leaves: only fc2 is free for its copy, so n22 (its rack neighbour) takes it.
    assertThat(placement.move(nodes, r, holders, "n21")).isEqualTo("n22");
    // Leaving n31 (fc3): n32 is the only other node of fc3; n12 and n22 would double a compartment.
    assertThat(placement.move(nodes, r, holders, "n31")).isEqualTo("n32");

    // Rack spread: n21's copy may go to n12, n22 or n32; n22 is nearest (same compartment) unless much fuller.
    Placement.Request rack = new Placement.Request(3, FailureDomain.RACK, "n11", SNIPPET, 1);
    assertThat(placement.move(nodes, rack, holders, "n21")).isEqualTo("n22");
    List<NodeDescriptor> fuller = nodes.stream().map(n -> n.id().equals("n22") ? n.withUsage(10 * GIB, 6 * GIB, 0) : n)
        .toList();
    assertThat(placement.move(fuller, rack, holders, "n21", Map.of("n12", 9.0, "n32", 0.4)))
        .as("n22 much fuller: of the emptier the one nearest the consumer by round trip").isEqualTo("n32");
    assertThat(placement.move(fuller, rack, holders, "n21", Map.of("n12", 0.3, "n32", 0.4))).isEqualTo("n12");

    // A node holding every given snippet takes nothing; nothing fits: one clear refusal.
    assertThatThrownBy(() -> placement.move(nodes.subList(0, 1), r, holders, "n11"))
        .isInstanceOf(PlacementException.class).hasMessageStartingWith("no live node can take n11's copies");
  }
}
