package org.snipblock.iscsi.scsi;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.snipblock.block.MemoryBlockDevice;

/**
 * Explicit ALUA where the port groups allow it: INQUIRY reports TPGS 11b, SET TARGET PORT GROUPS
 * makes a group active/optimized (its answer waits for that), every nexus then learns of the new
 * states; malformed lists and states the target does not take are refused and change nothing; a
 * transition that cannot be made fails with SET TARGET PORT GROUPS COMMAND FAILED, and one asked while
 * the groups transition is to be retried (NOT READY). Without explicit
 * transitions (a standalone target) the command does not exist.
 */
class ExplicitAluaTest {
  private static final ItNexus H2 = new ItNexus("iqn.2026-11.org.test:h2", 0x23d000000002L,
      "iqn.2026-11.org.snipblock:vol", 2);
  private final MemoryBlockDevice device = new MemoryBlockDevice("vol", 4L << 20, 512, false);
  private final TestPortGroups groups = new TestPortGroups(2).explicit();
  private final LogicalUnitHarness node2 = new LogicalUnitHarness(device,
      new BlockLogicalUnit(device, groups, new MemorySharedUnitState()));

  private static byte[] stpg(int length) {
    return Cdbs.of(Opcodes.MAINTENANCE_OUT, 0x0a, 0, 0, 0, 0, length >>> 24, length >>> 16, length >>> 8, length, 0, 0);
  }

  /** The parameter list: header, then (state, tag) descriptors. */
  private static byte[] descriptors(int... stateAndTag) {
    byte[] p = new byte[4 + 2 * stateAndTag.length];
    for (int i = 0; i < stateAndTag.length; i += 2) {
      p[4 + 2 * i] = (byte) stateAndTag[i];
      Bytes.putShort(p, 4 + 2 * i + 2, stateAndTag[i + 1]);
    }
    return p;
  }

  private int stateOf(int tag) {
    byte[] r = node2.good(H2, Cdbs.reportTargetPortGroups(0, 255), new byte[0]);
    for (int at = 4; at < r.length; at += 12) {
      if (Bytes.u16(r, at + 2) == tag) {
        return r[at] & 0x0f;
      }
    }
    throw new AssertionError("no group " + tag);
  }

  @Test
  void anInitiatorMakesItsGroupActiveOptimized() {
    node2.exec(H2, Cdbs.testUnitReady());
    assertThat(node2.good(H2, Cdbs.inquiry(false, 0, 96), new byte[0])[5] & 0x30).as("TPGS 11b").isEqualTo(0x30);
    assertThat(stateOf(2)).isEqualTo(1);
    byte[] p = descriptors(0, 2, 1, 1); // group 2 active/optimized, group 1 active/non-optimized
    node2.good(H2, stpg(p.length), p);
    node2.check(H2, Cdbs.testUnitReady(), new byte[0], Sense.UNIT_ATTENTION, 0x2a, 0x06);
    assertThat(stateOf(2)).isZero();
    assertThat(stateOf(1)).isEqualTo(1);
    node2.good(H2, stpg(p.length), p); // already so: nothing to do
    node2.good(H2, stpg(0), new byte[0]);
  }

  @Test
  void badListsAndStatesNotTakenAreRefusedAndChangeNothing() {
    node2.exec(H2, Cdbs.testUnitReady());
    node2.check(H2, stpg(6), new byte[6], Sense.ILLEGAL_REQUEST, 0x1a, 0x00);
    byte[] standby = descriptors(2, 2);
    node2.check(H2, stpg(standby.length), standby, Sense.ILLEGAL_REQUEST, 0x26, 0x00);
    byte[] unknown = descriptors(0, 9);
    node2.check(H2, stpg(unknown.length), unknown, Sense.ILLEGAL_REQUEST, 0x26, 0x00);
    byte[] two = descriptors(0, 2, 0, 3);
    node2.check(H2, stpg(two.length), two, Sense.ILLEGAL_REQUEST, 0x26, 0x00);
    byte[] failing = descriptors(0, 3);
    node2.check(H2, stpg(failing.length), failing, Sense.HARDWARE_ERROR, 0x67, 0x0a);
    assertThat(stateOf(1)).as("nothing changed").isZero();
    assertThat(stateOf(2)).isEqualTo(1);
  }

  @Test
  void whileTheGroupsTransitionItIsToBeRetried() {
    node2.exec(H2, Cdbs.testUnitReady());
    groups.transitioning();
    node2.exec(H2, Cdbs.testUnitReady()); // the states changed: that unit attention taken
    byte[] p = descriptors(0, 2);
    node2.check(H2, stpg(p.length), p, Sense.NOT_READY, 0x04, 0x0a);
  }

  @Test
  void withoutExplicitTransitionsThereIsNoSuchCommand() {
    LogicalUnitHarness alone = new LogicalUnitHarness(device, new BlockLogicalUnit(device, new TestPortGroups(2),
        new MemorySharedUnitState()));
    alone.exec(H2, Cdbs.testUnitReady());
    assertThat(alone.good(H2, Cdbs.inquiry(false, 0, 96), new byte[0])[5] & 0x30).as("TPGS 01b").isEqualTo(0x10);
    byte[] p = descriptors(0, 2);
    alone.check(H2, stpg(p.length), p, Sense.ILLEGAL_REQUEST, 0x20, 0x00);
  }
}
