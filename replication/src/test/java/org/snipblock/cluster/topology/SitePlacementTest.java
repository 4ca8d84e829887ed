package org.snipblock.cluster.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Placement of a volume kept in named sites: copies only there, and in each of them. */
class SitePlacementTest {
  private static final long GIB = 1L << 30;
  private static final long STRIPE = 4L << 20;
  private final Placement placement = new Placement();

  /** Three sites a, b, c of two compartments each: a1 a2 b1 b2 c1 c2. */
  private static List<NodeDescriptor> threeSites() {
    List<NodeDescriptor> nodes = new ArrayList<>();
    for (String site : List.of("a", "b", "c")) {
      for (int c = 1; c <= 2; c++) {
        nodes.add(new NodeDescriptor(site + c, Location.parse(site + "/c" + c + "/r1/" + site + c), NodeState.UP,
            10 * GIB, 0, 0.0));
      }
    }
    return nodes;
  }

  private static String siteOf(String id) {
    return id.substring(0, 1);
  }

  @Test
  void everyCopyIsInANamedSiteAndEachNamedSiteHoldsOne() {
    PlacementPolicy.Result r = placement.place(threeSites(), new PlacementPolicy.Request(3, FailureDomain.COMPARTMENT,
        "a1", STRIPE, 8, List.of("a", "c")));
    for (List<String> copies : r.replicas()) {
      assertThat(copies).hasSize(3).startsWith("a1");
      assertThat(copies.stream().map(SitePlacementTest::siteOf).collect(Collectors.toSet()))
          .as("%s", copies).containsExactlyInAnyOrder("a", "c");
    }
    // Without a primary asked, it is chosen among the named sites.
    PlacementPolicy.Result inB = placement.place(threeSites(), new PlacementPolicy.Request(2, FailureDomain.COMPARTMENT,
        null, STRIPE, 4, List.of("b")));
    assertThat(inB.primary()).startsWith("b");
    inB.replicas().forEach(c -> assertThat(c).containsExactlyInAnyOrder("b1", "b2"));
  }

  @Test
  void aSiteThatCannotTakeACopyIsRefusedByName() {
    List<NodeDescriptor> nodes = threeSites().stream()
        .map(n -> siteOf(n.id()).equals("c") ? n.withState(NodeState.DOWN) : n).toList();
    assertThatThrownBy(() -> placement.place(nodes, new PlacementPolicy.Request(2, FailureDomain.COMPARTMENT, "a1",
        STRIPE, 1, List.of("a", "c"))))
        .isInstanceOf(PlacementException.class)
        .hasMessageStartingWith("cannot place a copy in site c with copies=2 spread=compartment");
    assertThatThrownBy(() -> placement.place(threeSites(), new PlacementPolicy.Request(3, FailureDomain.COMPARTMENT,
        "a1", STRIPE, 1, List.of("a"))))
        .hasMessage("cannot place 3 copies with spread=compartment: the live cluster has only 2 distinct "
            + "compartment(s) [a/c1, a/c2] in sites a");
    assertThatThrownBy(() -> placement.place(threeSites(), new PlacementPolicy.Request(2, FailureDomain.COMPARTMENT,
        "b1", STRIPE, 1, List.of("a", "c"))))
        .hasMessage("primary node b1 is in site b, not one of the sites a, c");
    assertThatThrownBy(() -> new PlacementPolicy.Request(1, FailureDomain.HOST, null, STRIPE, 1, List.of("a", "b")))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("2 sites for 1 copies: each site takes one");
  }

  @Test
  void replacingFillsTheSiteWithoutACopyFirst() {
    // a stripe on a1 and a2 whose policy became sites a,b: a1 (the primary) stays, b gets the other copy
    List<String> added = placement.replace(threeSites(), new PlacementPolicy.Request(2, FailureDomain.COMPARTMENT,
        "a1", STRIPE, 1, List.of("a", "b")), List.of("a1"));
    assertThat(added).hasSize(1);
    assertThat(siteOf(added.get(0))).isEqualTo("b");
  }

  @Test
  void aMovingCopyStaysInTheNamedSitesAndKeepsItsSiteCovered() {
    List<NodeDescriptor> nodes = threeSites();
    PlacementPolicy.Request ab = new PlacementPolicy.Request(2, FailureDomain.COMPARTMENT, "a1", STRIPE, 1,
        List.of("a", "b"));
    // b1 leaves: the copy must stay in site b (b2), not go to a2 (site a holds one already) nor to c
    assertThat(placement.move(nodes, ab, List.of(List.of("a1", "b1")), "b1")).isEqualTo("b2");
    List<NodeDescriptor> noB2 = nodes.stream().map(n -> n.id().equals("b2") ? n.withState(NodeState.DOWN) : n)
        .toList();
    assertThatThrownBy(() -> placement.move(noB2, ab, List.of(List.of("a1", "b1")), "b1"))
        .isInstanceOf(PlacementException.class);
    // with any site, c may take it
    assertThat(placement.move(noB2, new PlacementPolicy.Request(2, FailureDomain.COMPARTMENT, "a1", STRIPE, 1),
        List.of(List.of("a1", "b1")), "b1", Map.of())).isIn("a2", "c1", "c2");
  }
}
