package org.snipblock.adapter.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.snipblock.adapter.model.DiskSpec;
import org.snipblock.adapter.model.HostRecord;
import org.snipblock.adapter.model.VmRecord;
import org.snipblock.adapter.model.VmSpec;
import org.snipblock.node.OperatorError;

/** Where {@code vm migrate --to-site} sends a VM, and its refusals. */
class SiteTargetTest {
  private static final long G = 1L << 30;
  private static final long NOW = 1_000_000;

  private static HostRecord host(String id, String location, long memory, long heartbeat) {
    return new HostRecord(id, location, 4, memory, "iqn:" + id, heartbeat, "/d", null);
  }

  private static VmRecord vm(String name, String host, String state) {
    VmSpec spec = new VmSpec(1, G, List.of(new DiskSpec(G, null)), "a", null, 0, null, false, null, null, null,
        List.of(), null, false);
    return new VmRecord(name, spec, host, List.of(name + "-disk0"), VmRecord.RUNNING, state, null, 1, null, NOW, null);
  }

  private final List<HostRecord> hosts = List.of(host("a1", "a/c1/r1/a1", 8 * G, NOW),
      host("b1", "b/c1/r1/b1", 2 * G, NOW), host("b2", "b/c1/r2/b2", 16 * G, NOW),
      host("c1", "c/c1/r1/c1", 16 * G, NOW - 60_000));
  private final VmRecord db = vm("db", "a1", VmRecord.RUNNING);

  @Test
  void theBestMatchInTheSiteOrTheHostAsked() {
    assertThat(SiteTarget.choose(db, "b", null, hosts, List.of(db), NOW).host()).as("the most memory left")
        .isEqualTo("b2");
    assertThat(SiteTarget.choose(db, "b", "b1", hosts, List.of(db), NOW).host()).isEqualTo("b1");
  }

  @Test
  void refusesWithOneLineWhatCannotGoThere() {
    assertThatThrownBy(() -> SiteTarget.choose(db, "z", null, hosts, List.of(db), NOW)).isInstanceOf(OperatorError.class)
        .hasMessage("no host in site z (hosts are in a, b, c)");
    assertThatThrownBy(() -> SiteTarget.choose(db, "a", null, hosts, List.of(db), NOW))
        .hasMessage("vm db already runs in site a (on a1); use --to-host to move it within the site");
    assertThatThrownBy(() -> SiteTarget.choose(db, "b", "a1", hosts, List.of(db), NOW))
        .hasMessage("host a1 is not in site b");
    assertThatThrownBy(() -> SiteTarget.choose(db, "c", null, hosts, List.of(db), NOW))
        .hasMessageStartingWith("no live host in site c");
    VmRecord stopped = vm("web", "a1", VmRecord.STOPPED);
    assertThatThrownBy(() -> SiteTarget.choose(stopped, "b", null, hosts, List.of(stopped), NOW))
        .hasMessage("vm web is stopped: only a running VM migrates live");
    VmSpec huge = new VmSpec(1, 32 * G, List.of(), "a", null, 0, null, false, null, null, null, List.of(), null, false);
    VmRecord big = new VmRecord("big", huge, "a1", List.of(), VmRecord.RUNNING, VmRecord.RUNNING,
        null, 1, null, NOW, null);
    assertThatThrownBy(() -> SiteTarget.choose(big, "b", null, hosts, List.of(big), NOW))
        .isInstanceOf(NoPlacement.class);
  }
}
