package org.snipblock.iscsi.scsi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.snipblock.block.MemoryBlockDevice;
import org.snipblock.iscsi.alua.AccessState;
import org.snipblock.iscsi.alua.PortGroup;
import org.snipblock.iscsi.alua.PortGroups;
import org.snipblock.iscsi.alua.Portal;

/** Implicit ALUA: TPGS, the target port group designator, REPORT TARGET PORT GROUPS and state changes. */
class AluaTest {
  /** Two nodes' paths: A and B log in through group 1, P through group 2. */
  private static final ItNexus P = new ItNexus("iqn.2026-11.org.test:p", 0x23d000000009L,
      "iqn.2026-11.org.snipblock:vol", 2);

  /** The groups a cluster would report, changed by the test as a primary moves. */
  private static class TwoNodes implements PortGroups {
    volatile List<PortGroup> groups = List.of(new PortGroup(1, AccessState.ACTIVE_OPTIMIZED),
        new PortGroup(2, AccessState.ACTIVE_NON_OPTIMIZED));

    @Override
    public int localTag() {
      return 1;
    }

    @Override
    public List<Portal> portals(String device, String localPortal) {
      return List.of(new Portal(localPortal, 1), new Portal("127.0.0.2:3260", 2));
    }

    @Override
    public List<PortGroup> groups(String device) {
      return groups;
    }
  }

  private final TwoNodes paths = new TwoNodes();
  private final LogicalUnitHarness h = harness(paths);

  private static LogicalUnitHarness harness(PortGroups groups) {
    MemoryBlockDevice device = new MemoryBlockDevice("vol", 4L << 20, 512, false);
    LogicalUnitHarness h = new LogicalUnitHarness(device, new BlockLogicalUnit(device, groups, null));
    for (ItNexus n : new ItNexus[] {LogicalUnitHarness.A, LogicalUnitHarness.B, P}) {
      h.exec(n, Cdbs.testUnitReady()); // takes the power-on unit attention
    }
    return h;
  }

  @Test
  void standardInquiryReportsImplicitAlua() {
    byte[] d = h.good(Cdbs.inquiry(false, 0, 96));
    assertThat((d[5] >> 4) & 0x3).as("TPGS").isEqualTo(1);
  }

  @Test
  void deviceIdentificationNamesThePathsGroupAndPort() {
    byte[] d = h.good(P, Cdbs.inquiry(true, 0x83, 1024), new byte[0]);
    assertThat(designator(d, 0x15)).as("target port group").containsExactly(0, 0, 0, 2);
    assertThat(designator(d, 0x14)).as("relative target port").containsExactly(0, 0, 0, 2);
    byte[] viaA = h.good(Cdbs.inquiry(true, 0x83, 1024));
    assertThat(designator(viaA, 0x15)).containsExactly(0, 0, 0, 1);
    assertThat(designator(viaA, 0x03)).as("the LU's NAA id is the same on every path")
        .isEqualTo(designator(d, 0x03));
  }

  @Test
  void reportTargetPortGroupsListsEveryGroupWithItsState() {
    byte[] d = h.good(Cdbs.reportTargetPortGroups(0, 1024));
    assertThat(Bytes.u32(d, 0)).isEqualTo((long) d.length - 4);
    assertThat(d).hasSize(4 + 2 * 12);
    assertGroup(d, 4, 1, AccessState.ACTIVE_OPTIMIZED);
    assertGroup(d, 16, 2, AccessState.ACTIVE_NON_OPTIMIZED);

    byte[] extended = h.good(Cdbs.reportTargetPortGroups(1, 1024));
    assertThat(extended[4] & 0x70).as("format type 001b").isEqualTo(0x10);
    assertThat(extended[5] & 0xff).as("implicit transition time").isPositive();
    assertGroup(extended, 8, 1, AccessState.ACTIVE_OPTIMIZED);

    assertThat(h.good(Cdbs.reportTargetPortGroups(0, 10))).as("allocation length truncates").hasSize(10);
  }

  @Test
  void aChangeOfStatesIsAUnitAttentionOnEveryNexusOnce() {
    paths.groups = List.of(new PortGroup(1, AccessState.ACTIVE_NON_OPTIMIZED),
        new PortGroup(2, AccessState.ACTIVE_OPTIMIZED));
    for (ItNexus n : new ItNexus[] {LogicalUnitHarness.A, LogicalUnitHarness.B, P}) {
      h.check(n, Cdbs.testUnitReady(), new byte[0], Sense.UNIT_ATTENTION, 0x2a, 0x06);
      h.good(n, Cdbs.testUnitReady(), new byte[0]);
    }
    byte[] d = h.good(Cdbs.reportTargetPortGroups(0, 1024));
    assertGroup(d, 4, 1, AccessState.ACTIVE_NON_OPTIMIZED);
    assertGroup(d, 16, 2, AccessState.ACTIVE_OPTIMIZED);
  }

  @Test
  void aTransitioningPathRefusesMediaAccessButAnswersWhoAndWhere() {
    paths.groups = List.of(new PortGroup(1, AccessState.TRANSITIONING), new PortGroup(2, AccessState.STANDBY));
    h.check(Cdbs.testUnitReady(), new byte[0], Sense.UNIT_ATTENTION, 0x2a, 0x06);
    h.check(Cdbs.testUnitReady(), new byte[0], Sense.NOT_READY, 0x04, 0x0a);
    h.check(Cdbs.read16(0, 1, 0), new byte[0], Sense.NOT_READY, 0x04, 0x0a);
    h.good(Cdbs.inquiry(false, 0, 96));
    byte[] d = h.good(Cdbs.reportTargetPortGroups(0, 1024));
    assertGroup(d, 4, 1, AccessState.TRANSITIONING);
    h.exec(P, Cdbs.testUnitReady());
    h.check(P, Cdbs.write16(0, 1, 0), new byte[512], Sense.NOT_READY, 0x04, 0x0b);
    paths.groups = List.of(new PortGroup(1, AccessState.ACTIVE_OPTIMIZED), new PortGroup(2, AccessState.ACTIVE_NON_OPTIMIZED));
    h.check(Cdbs.testUnitReady(), new byte[0], Sense.UNIT_ATTENTION, 0x2a, 0x06);
    assertThat(h.read(0, 1)).as("nothing was written").containsOnly(0);
  }

  @Test
  void portGroupsThatHoldInTransitionLetCommandsRun() {
    TwoNodes holding = new TwoNodes() {
      @Override
      public boolean refusesInTransition() {
        return false;
      }
    };
    LogicalUnitHarness held = harness(holding);
    holding.groups = List.of(new PortGroup(1, AccessState.TRANSITIONING), new PortGroup(2, AccessState.TRANSITIONING));
    held.check(Cdbs.testUnitReady(), new byte[0], Sense.UNIT_ATTENTION, 0x2a, 0x06);
    held.write(0, LogicalUnitHarness.filled(512, 7));
    assertThat(held.read(0, 1)).containsOnly(7);
  }

  @Test
  void malformedReportTargetPortGroupsIsRefusedClearly() {
    assertThat(h.invalidField(Cdbs.reportTargetPortGroups(2, 1024)).fieldPointer()).isEqualTo(1);
    byte[] reserved = Cdbs.reportTargetPortGroups(0, 1024);
    reserved[3] = 1;
    assertThat(h.invalidField(reserved).fieldPointer()).isEqualTo(3);
    byte[] reserved10 = Cdbs.reportTargetPortGroups(0, 1024);
    reserved10[10] = (byte) 0x80;
    assertThat(h.invalidField(reserved10).fieldPointer()).isEqualTo(10);
    byte[] control = Cdbs.reportTargetPortGroups(0, 1024);
    control[11] = 0x04; // NACA
    assertThat(h.invalidField(control).fieldPointer()).isEqualTo(11);
  }

  @Test
  void aStandaloneUnitHasOneOptimizedGroup() {
    LogicalUnitHarness alone = LogicalUnitHarness.memory();
    byte[] d = alone.good(Cdbs.reportTargetPortGroups(0, 1024));
    assertThat(d).hasSize(16);
    assertGroup(d, 4, 1, AccessState.ACTIVE_OPTIMIZED);
  }

  private static void assertGroup(byte[] d, int at, int tag, AccessState state) {
    assertThat(d[at] & 0x0f).as("state of group %d", tag).isEqualTo(state.code());
    assertThat(Bytes.u16(d, at + 2)).as("group").isEqualTo(tag);
    assertThat(d[at + 7]).as("one target port").isEqualTo((byte) 1);
    assertThat(Bytes.u16(d, at + 10)).as("relative target port").isEqualTo(tag);
  }

  /** The value of the first designator with this association and type (byte 1 & 0x3f), or empty. */
  private static int[] designator(byte[] page, int assocAndType) {
    int at = 4;
    while (at + 4 <= page.length) {
      int length = page[at + 3] & 0xff;
      if ((page[at + 1] & 0x3f) == assocAndType) {
        int[] v = new int[length];
        for (int i = 0; i < length; i++) {
          v[i] = page[at + 4 + i] & 0xff;
        }
        return v;
      }
      at += 4 + length;
    }
    return new int[0];
  }
}
