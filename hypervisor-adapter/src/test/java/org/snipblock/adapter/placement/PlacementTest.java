package org.snipblock.adapter.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.snipblock.adapter.model.DiskSpec;
import org.snipblock.adapter.model.HostRecord;
import org.snipblock.adapter.model.VmRecord;
import org.snipblock.adapter.model.VmSpec;
import org.snipblock.cluster.topology.Location;

class PlacementTest {
  private static final long G = 1L << 30;
  private static final long NOW = 1_000_000;

  private static HostRecord host(String id, String location, int cpus, long memory) {
    return new HostRecord(id, location, cpus, memory, "iqn:" + id, NOW, "/d", null);
  }

  private static VmSpec spec(int cpus, long memory, String site, int priority, String group) {
    return new VmSpec(cpus, memory, List.of(new DiskSpec(G, null)), site, null, priority, group, group != null,
        null, null, null, List.of(), null, false);
  }

  private static VmRecord vm(String name, String host, long memory, int priority, String group) {
    return new VmRecord(name, spec(1, memory, null, priority, group), host, List.of(), VmRecord.RUNNING,
        VmRecord.RUNNING, null, 1, null, NOW, null);
  }

  private final List<HostRecord> hosts = List.of(
      host("a1", "eu1/c1/r1/a1", 8, 8 * G), host("a2", "eu1/c2/r1/a2", 8, 8 * G),
      host("b1", "eu2/c1/r1/b1", 8, 32 * G), host("b2", "eu2/c1/r2/b2", 8, 32 * G), host("b3", "eu2/c2/r1/b3", 8, 32 * G));

  @Test
  void takesTheHostWithTheMostRoomInTheAskedSite() {
    List<VmRecord> vms = List.of(vm("x", "a1", 6 * G, 0));
    Placement.Decision d = Placement.place("new", spec(2, 1 * G, "eu1", 0, null), hosts, vms, NOW, null, Set.of(), false);
    assertThat(d.host()).isEqualTo("a2");
    assertThat(d.why()).isEqualTo("host a2 (eu1/c2/r1/a2) has 8 GiB and 8 CPUs free; 2 hosts fit");
  }

  @Test
  void prefersTheHostNearestThePrimariesByMeasuredRoundTripOverMoreMemory() {
    // b1 has the most memory, but its storage node is 15 ms from the primary on b3's node
    java.util.Map<String, Location> nodes = java.util.Map.of("s1", Location.parse("eu2/c1/r1/b1"),
        "s2", Location.parse("eu2/c1/r2/b2"), "s3", Location.parse("eu2/c2/r1/b3"));
    List<HostRecord> eu2 = List.of(host("b1", "eu2/c1/r1/b1", 8, 64 * G), host("b2", "eu2/c1/r2/b2", 8, 32 * G),
        host("b3", "eu2/c2/r1/b3", 8, 16 * G));
    StorageCloseness far = new StorageCloseness(nodes, java.util.Map.of("s1", java.util.Map.of("s3", 15.0),
        "s3", java.util.Map.of("s2", 14.0)), Set.of("s3"));
    Placement.Decision d = Placement.place("db", spec(1, G, "eu2", 0, null), eu2, List.of(), NOW, null, Set.of(), false, far);
    assertThat(d.host()).isEqualTo("b3");
    assertThat(d.why()).isEqualTo("host b3 (eu2/c2/r1/b3, 0.0 ms from the primaries of its volumes) has 16 GiB and 8 CPUs "
        + "free; 3 hosts fit");
    // within the band, round trips are noise: the most memory decides
    StorageCloseness near = new StorageCloseness(nodes, java.util.Map.of("s1", java.util.Map.of("s3", 0.6),
        "s3", java.util.Map.of("s2", 0.3)), Set.of("s3"));
    assertThat(Placement.place("db", spec(1, G, "eu2", 0, null), eu2, List.of(), NOW, null, Set.of(), false, near).host())
        .isEqualTo("b1");
    // a host whose round trip nobody measured comes after the measured ones
    StorageCloseness partly = new StorageCloseness(nodes, java.util.Map.of("s3", java.util.Map.of("s2", 1.5)), Set.of("s3"));
    assertThat(Placement.place("db", spec(1, 32 * G, "eu2", 0, null), eu2.subList(0, 2), List.of(), NOW, null, Set.of(),
        false, partly).host()).isEqualTo("b2");
    // a VM whose volumes have no primary on record places as before
    assertThat(Placement.place("db", spec(1, G, "eu2", 0, null), eu2, List.of(), NOW, null, Set.of(), false,
        StorageCloseness.NONE).host()).isEqualTo("b1");
  }

  @Test
  void explainsWhatWouldFitWhenNothingDoes() {
    List<VmRecord> vms = List.of(vm("x", "a1", 2 * G, 0), vm("y", "a2", 6 * G, 0));
    assertThatThrownBy(() -> Placement.place("big", spec(2, 16 * G, "eu1", 0, null), hosts, vms, NOW, null, Set.of(),
        false)).isInstanceOf(NoPlacement.class)
        .hasMessage("no host in site eu1 has 16 GiB and 2 CPUs free; the largest has 6 GiB and 7 CPUs (a1); "
            + "site eu2 has 3 hosts that fit");
  }

  @Test
  void keepsAnAntiAffinityGroupApartAndSaysSoWhenItCannot() {
    List<VmRecord> vms = List.of(vm("w1", "a1", G, 0, "web"));
    assertThat(Placement.place("w2", spec(1, G, "eu1", 0, "web"), hosts, vms, NOW, null, Set.of(), false).host())
        .isEqualTo("a2");
    List<VmRecord> both = List.of(vm("w1", "a1", G, 0, "web"), vm("w2", "a2", G, 0, "web"));
    assertThatThrownBy(() -> Placement.place("w3", spec(1, G, "eu1", 0, "web"), hosts, both, NOW, null, Set.of(), false))
        .hasMessage("every candidate host already runs a VM of anti-affinity group web");
  }

  @Test
  void restartsNearTheDeadHostFirst() {
    Location dead = Location.parse("eu2/c1/r1/b1");
    // b2 (same compartment) before b3 (same site), though b3 has as much room
    assertThat(Placement.place("v", spec(1, G, null, 0, null), hosts, List.of(), NOW, dead, Set.of("b1"), false).host())
        .isEqualTo("b2");
  }

  @Test
  void preemptsTheLowestPriorityOnlyWhenAllowedAndOnlyBelowItsOwn() {
    List<HostRecord> one = List.of(host("h", "eu1/c1/r1/h", 4, 4 * G));
    List<VmRecord> vms = List.of(vm("p5", "h", 2 * G, 5), vm("p1", "h", G, 1), vm("p0", "h", G, 0));
    Placement.Decision d = Placement.place("v", spec(1, 2 * G, null, 3, null), one, vms, NOW, null, Set.of(), true);
    assertThat(d.preempt()).containsExactly("p0", "p1");
    assertThat(d.why()).isEqualTo("host h has room once lower-priority p0, p1 stop");
    assertThatThrownBy(() -> Placement.place("v", spec(1, 3 * G, null, 3, null), one, vms, NOW, null, Set.of(), true))
        .isInstanceOf(NoPlacement.class);
    assertThatThrownBy(() -> Placement.place("v", spec(1, 2 * G, null, 3, null), one, vms, NOW, null, Set.of(), false))
        .isInstanceOf(NoPlacement.class);
  }

  @Test
  void namesDeadAndUnknownHosts() {
    List<HostRecord> stale = List.of(new HostRecord("old", "eu1/c1/r1/old", 4, 4 * G, "iqn", NOW - 60_000, "/d", null));
    assertThatThrownBy(() -> Placement.place("v", spec(1, G, null, 0, null), stale, List.of(), NOW, null, Set.of(), false))
        .hasMessage("no live host to run v (1 on record)");
    VmSpec pinned = new VmSpec(1, G, List.of(), null, "zz", 0, null, false, null, null, null, List.of(), null, false);
    assertThatThrownBy(() -> Placement.place("v", pinned, hosts, List.of(), NOW, null, Set.of(), false))
        .hasMessage("host zz is not on record");
  }

  @Test
  void aRestartLeavesAFullSiteForTheNearestHostOutsideIt() {
    Location dead = Location.parse("eu1/c1/r1/a1");
    List<VmRecord> full = List.of(vm("x", "a2", 8 * G, 0));
    Placement.Decision d = Placement.afterLoss("v", spec(1, 2 * G, "eu1", 0, null), hosts, full, NOW, dead, Set.of("a1"),
        StorageCloseness.NONE);
    assertThat(d.host()).isEqualTo("b1");
    assertThat(d.preempt()).isEmpty();
    assertThat(d.why()).startsWith("nothing in site eu1 fits (no host in site eu1 has 2 GiB and 1 CPU free;")
        .contains("); outside it: host b1 (eu2/c1/r1/b1, distance ");
    // create and start stay in the site: only a restart after a loss leaves it
    assertThatThrownBy(() -> Placement.place("v", spec(1, 2 * G, "eu1", 0, null), hosts, full, NOW, dead, Set.of("a1"),
        true)).isInstanceOf(NoPlacement.class);
  }

  @Test
  void aStrictSiteIsNeverLeft() {
    VmSpec strict = new VmSpec(1, 2 * G, List.of(new DiskSpec(G, null)), "eu1", null, 0, null, false, null, null, null,
        List.of(), null, true);
    assertThatThrownBy(() -> Placement.afterLoss("v", strict, hosts, List.of(vm("x", "a2", 8 * G, 0)), NOW,
        Location.parse("eu1/c1/r1/a1"), Set.of("a1"), StorageCloseness.NONE))
        .isInstanceOf(NoPlacement.class).hasMessageStartingWith("no host in site eu1 has 2 GiB");
  }

  @Test
  void aRestartStopsLowerPrioritiesOnlyWhenNoHostAnywhereHasRoom() {
    Location dead = Location.parse("eu1/c1/r1/a1");
    List<VmRecord> lowInSite = List.of(vm("low", "a2", 8 * G, 0));
    // room outside the site: nobody is stopped
    Placement.Decision outside = Placement.afterLoss("v", spec(1, 2 * G, "eu1", 5, null), hosts, lowInSite, NOW, dead,
        Set.of("a1"), StorageCloseness.NONE);
    assertThat(outside.host()).isEqualTo("b1");
    assertThat(outside.preempt()).isEmpty();
    // no room anywhere: the lower-priority VM in the site makes room
    List<HostRecord> small = List.of(hosts.get(0), hosts.get(1), host("b9", "eu2/c1/r1/b9", 8, 8 * G));
    List<VmRecord> allFull = List.of(vm("low", "a2", 8 * G, 0), vm("other", "b9", 8 * G, 0));
    Placement.Decision made = Placement.afterLoss("v", spec(1, 2 * G, "eu1", 5, null), small, allFull, NOW, dead,
        Set.of("a1"), StorageCloseness.NONE);
    assertThat(made.host()).isEqualTo("a2");
    assertThat(made.preempt()).containsExactly("low");
  }

  @Test
  void aRestartWithoutASiteGoesToTheNearestHostThatFits() {
    Location dead = Location.parse("eu2/c1/r1/b1");
    assertThat(Placement.afterLoss("v", spec(1, G, null, 0, null), hosts, List.of(), NOW, dead, Set.of("b1"),
        StorageCloseness.NONE).host()).isEqualTo("b2");
  }

  private static VmRecord vm(String name, String host, long memory, int priority) {
    return vm(name, host, memory, priority, null);
  }
}
