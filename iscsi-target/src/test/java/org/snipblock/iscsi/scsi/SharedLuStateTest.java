package org.snipblock.iscsi.scsi;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.snipblock.block.MemoryBlockDevice;

/**
 * Two nodes' logical units of one volume (one device, one shared state): the SPC-2 reservation
 * and the mode parameters are the LU's, not a node's. A RESERVE through one node holds through the
 * other until released, reset or its nexus is lost (logout, or its node leaving the view); a
 * MODE SELECT through one node is what MODE SENSE reports through the other, whose nexuses learn of
 * it by unit attention.
 */
class SharedLuStateTest {
  private static final String TARGET = "iqn.2026-11.org.snipblock:vol";
  private static final ItNexus H1 = new ItNexus("iqn.2026-11.org.test:h1", 0x23d000000001L, TARGET, 1);
  private static final ItNexus H2 = new ItNexus("iqn.2026-11.org.test:h2", 0x23d000000002L, TARGET, 2);
  private static final byte[] RESERVE_6 = Cdbs.of(Opcodes.RESERVE_6, 0, 0, 0, 0, 0);
  private static final byte[] RELEASE_6 = Cdbs.of(Opcodes.RELEASE_6, 0, 0, 0, 0, 0);
  private static final byte[] RESERVE_10 = Cdbs.of(Opcodes.RESERVE_10, 0, 0, 0, 0, 0, 0, 0, 0, 0);

  private final MemoryBlockDevice device = new MemoryBlockDevice("vol", 4L << 20, 512, false);
  private final MemorySharedUnitState shared = new MemorySharedUnitState();
  private final TestPortGroups groups2 = new TestPortGroups(2);
  private final LogicalUnitHarness node1 = node(new TestPortGroups(1), H1);
  private final LogicalUnitHarness node2 = node(groups2, H2);

  private LogicalUnitHarness node(TestPortGroups groups, ItNexus nexus) {
    LogicalUnitHarness h = new LogicalUnitHarness(device, new BlockLogicalUnit(device, groups, shared));
    h.exec(nexus, Cdbs.testUnitReady()); // the power-on unit attention, taken
    return h;
  }

  private static int write(LogicalUnitHarness h, ItNexus n) {
    return h.exec(n, Cdbs.rw10(Opcodes.WRITE_10, 0, 1, 0), LogicalUnitHarness.filled(512, 1)).status();
  }

  @Test
  void aReserveThroughOneNodeHoldsThroughTheOtherUntilReleased() {
    assertThat(node1.exec(H1, RESERVE_6).status()).isZero();
    assertThat(node2.exec(H2, RESERVE_6).status()).as("host 2's RESERVE through node 2")
        .isEqualTo(ScsiResponse.RESERVATION_CONFLICT);
    assertThat(node2.exec(H2, RESERVE_10).status()).isEqualTo(ScsiResponse.RESERVATION_CONFLICT);
    assertThat(write(node2, H2)).as("host 2's write through node 2").isEqualTo(ScsiResponse.RESERVATION_CONFLICT);
    assertThat(node2.exec(H2, RELEASE_6).status()).as("a RELEASE by another is no error").isZero();
    assertThat(write(node1, H1)).as("still held: the holder writes").isZero();
    assertThat(write(node2, H2)).isEqualTo(ScsiResponse.RESERVATION_CONFLICT);

    assertThat(node1.exec(H1, RELEASE_6).status()).isZero();
    assertThat(write(node2, H2)).as("released through node 1").isZero();
    assertThat(node2.exec(H2, RESERVE_10).status()).isZero();
    assertThat(write(node1, H1)).as("now held through node 2").isEqualTo(ScsiResponse.RESERVATION_CONFLICT);
  }

  @Test
  void theHoldersLogoutOrResetThroughAnyNodeReleasesIt() throws Exception {
    assertThat(node1.exec(H1, RESERVE_6).status()).isZero();
    node1.lu.nexusLost(H1).get();
    assertThat(node2.exec(H2, RESERVE_6).status()).as("the holder logged out of node 1").isZero();

    node1.exec(H1, Cdbs.testUnitReady()); // H1 back, its power-on attention taken
    node1.exec(H1, Cdbs.testUnitReady());
    assertThat(write(node1, H1)).isEqualTo(ScsiResponse.RESERVATION_CONFLICT);
    node1.lu.taskManagement(LogicalUnit.TaskManagement.LUN_RESET, H1).get();
    node2.check(H2, Cdbs.testUnitReady(), new byte[0], Sense.UNIT_ATTENTION, 0x29, 0x03);
    node1.check(H1, Cdbs.testUnitReady(), new byte[0], Sense.UNIT_ATTENTION, 0x29, 0x03);
    assertThat(write(node1, H1)).as("a LUN reset through node 1 dropped node 2's holder").isZero();
  }

  @Test
  void aHolderWhoseNodeLeftTheViewHoldsNothing() {
    assertThat(node1.exec(H1, RESERVE_6).status()).isZero();
    assertThat(write(node2, H2)).isEqualTo(ScsiResponse.RESERVATION_CONFLICT);
    groups2.remove(1); // node 1, and the holder's nexus with it, is gone
    node2.check(H2, Cdbs.testUnitReady(), new byte[0], Sense.UNIT_ATTENTION, 0x2a, 0x06); // the paths changed
    assertThat(write(node2, H2)).isZero();
    assertThat(node2.exec(H2, RESERVE_6).status()).as("another may reserve").isZero();
  }

  @Test
  void aModeSelectThroughOneNodeIsWhatTheOtherReports() {
    assertThat(cachingPage(node2, H2)[2] & 0x04).as("WCE by default").isEqualTo(0x04);
    byte[] page = cachingPage(node1, H1);
    page[2] &= ~0x04;
    byte[] params = new byte[4 + page.length];
    System.arraycopy(page, 0, params, 4, page.length);
    node1.good(H1, Cdbs.modeSelect6(params.length, 0x10), params);

    node2.check(H2, Cdbs.testUnitReady(), new byte[0], Sense.UNIT_ATTENTION, 0x2a, 0x01);
    assertThat(cachingPage(node2, H2)[2] & 0x04).as("WCE off through node 2").isZero();
    assertThat(node1.exec(H1, Cdbs.testUnitReady()).status()).as("no attention for the nexus that changed it").isZero();
    // The same list again changes nothing: no attention anywhere.
    node1.good(H1, Cdbs.modeSelect6(params.length, 0x10), params);
    assertThat(node2.exec(H2, Cdbs.testUnitReady()).status()).isZero();
  }

  /** The caching mode page (08h), current values. */
  private static byte[] cachingPage(LogicalUnitHarness h, ItNexus n) {
    byte[] sense = h.good(n, Cdbs.modeSense6(0x08, 0, 255, true), new byte[0]);
    return java.util.Arrays.copyOfRange(sense, 4, sense.length);
  }
}
