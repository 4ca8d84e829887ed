package org.snipblock.iscsi.scsi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.snipblock.block.MemoryBlockDevice;

/**
 * Two nodes' logical units of one volume (one device, one shared state), each with its own
 * nexuses: a reservation taken through one is honoured through the other, and the unit attentions
 * a change raises reach the nexus on the node that has it.
 */
class SharedReservationsTest {
  private static final String TARGET = "iqn.2026-11.org.snipblock:vol";
  /** Host 1 through node 1 (portal group 1), host 2 through node 2 (portal group 2). */
  private static final ItNexus H1 = new ItNexus("iqn.2026-11.org.test:h1", 0x23d000000001L, TARGET, 1);
  private static final ItNexus H2 = new ItNexus("iqn.2026-11.org.test:h2", 0x23d000000002L, TARGET, 2);
  private static final int REGISTER = 0, RESERVE = 1, PREEMPT = 4;
  private static final int WRITE_EXCLUSIVE = 1;

  private final MemoryBlockDevice device = new MemoryBlockDevice("vol", 4L << 20, 512, false);
  private final MemorySharedUnitState shared = new MemorySharedUnitState();
  private final LogicalUnitHarness node1 = node(1);
  private final LogicalUnitHarness node2 = node(2);

  private LogicalUnitHarness node(int tag) {
    LogicalUnitHarness h = new LogicalUnitHarness(device, new BlockLogicalUnit(device, new TestPortGroups(tag), shared));
    h.exec(tag == 1 ? H1 : H2, Cdbs.testUnitReady());
    return h;
  }

  private static int prOut(LogicalUnitHarness h, ItNexus n, int sa, int type, long key, long saKey) {
    return h.exec(n, Cdbs.prOut(sa, type), Cdbs.prOutParameters(key, saKey)).status();
  }

  private static int write(LogicalUnitHarness h, ItNexus n) {
    return h.exec(n, Cdbs.rw10(Opcodes.WRITE_10, 0, 1, 0), LogicalUnitHarness.filled(512, 1)).status();
  }

  @Test
  void aReservationThroughOneNodeHoldsThroughTheOther() {
    assertThat(prOut(node1, H1, REGISTER, 0, 0, 0xa1)).isZero();
    assertThat(prOut(node1, H1, RESERVE, WRITE_EXCLUSIVE, 0xa1, 0)).isZero();
    assertThat(write(node2, H2)).as("host 2's write through node 2").isEqualTo(ScsiResponse.RESERVATION_CONFLICT);
    assertThat(write(node1, H1)).as("the holder's write").isZero();
    byte[] keys = node2.good(H2, Cdbs.prIn(0, 255), new byte[0]);
    assertThat(Bytes.u32(keys, 4)).as("node 2 lists node 1's registration").isEqualTo(8);
    assertThat(Bytes.u64(keys, 8)).isEqualTo(0xa1);
    // Registering through node 2 is decided against node 1's change: generation counts both.
    assertThat(prOut(node2, H2, REGISTER, 0, 0, 0xb2)).isZero();
    assertThat(Bytes.u32(node1.good(H1, Cdbs.prIn(0, 255), new byte[0]), 0)).as("generation").isEqualTo(2);
  }

  @Test
  void aPreemptThroughOneNodeIsAUnitAttentionOnTheOthersNexus() {
    prOut(node1, H1, REGISTER, 0, 0, 0xa1);
    prOut(node1, H1, RESERVE, WRITE_EXCLUSIVE, 0xa1, 0);
    prOut(node2, H2, REGISTER, 0, 0, 0xb2);
    assertThat(prOut(node2, H2, PREEMPT, WRITE_EXCLUSIVE, 0xb2, 0xa1)).isZero();
    node1.check(H1, Cdbs.testUnitReady(), new byte[0], Sense.UNIT_ATTENTION, 0x2a, 0x05);
    assertThat(write(node1, H1)).as("host 1 was preempted").isEqualTo(ScsiResponse.RESERVATION_CONFLICT);
    assertThat(write(node2, H2)).isZero();
    assertThat(node2.exec(H2, Cdbs.testUnitReady()).status()).as("no attention for the preemptor").isZero();
  }

  @Test
  void unreadableStateBytesAreRefusedClearly() {
    PersistentReservations.State state = new PersistentReservations.State(Map.of(H1, 7L), H1,
        ReservationType.WRITE_EXCLUSIVE, 3);
    SharedLuStateCodec.LuState lu = new SharedLuStateCodec.LuState(state, H2,
        new ModeParameters.Values(false, true, false));
    byte[] good = SharedLuStateCodec.encode(lu, List.of(
        new SharedLuStateCodec.Attention(3, H2, UnitAttentions.REGISTRATIONS_PREEMPTED),
        new SharedLuStateCodec.Attention(3, H1, UnitAttentions.MODE_PARAMETERS_CHANGED, true)));
    SharedLuStateCodec.Decoded back = SharedLuStateCodec.decode(good);
    assertThat(back.state()).isEqualTo(lu);
    assertThat(back.attentions()).hasSize(2);
    assertThat(back.attentions().get(1).allBut()).isTrue();

    assertThat(SharedLuStateCodec.decode(new byte[0]).state()).as("no bytes: the state a power loss left")
        .isEqualTo(SharedLuStateCodec.LuState.NONE);
    assertThatThrownBy(() -> SharedLuStateCodec.decode(java.util.Arrays.copyOf(good, good.length - 3)))
        .hasMessageContaining("truncated");
    byte[] format = good.clone();
    format[0] = 9;
    assertThatThrownBy(() -> SharedLuStateCodec.decode(format)).hasMessageContaining("format");
    byte[] type = good.clone();
    type[6] = 0x0f;
    assertThatThrownBy(() -> SharedLuStateCodec.decode(type)).hasMessageContaining("reservation type");
    byte[] holder = good.clone();
    holder[10] = 5;
    assertThatThrownBy(() -> SharedLuStateCodec.decode(holder)).hasMessageContaining("holder");
    byte[] trailing = java.util.Arrays.copyOf(good, good.length + 1);
    assertThatThrownBy(() -> SharedLuStateCodec.decode(trailing)).hasMessageContaining("trailing");
    byte[] mode = good.clone();
    mode[mode.length - 1] = 0x08;
    assertThatThrownBy(() -> SharedLuStateCodec.decode(mode)).hasMessageContaining("mode parameter bits");
  }

  @Test
  void aptplTravelsWithTheStateAndFormatOneReadsWithoutIt() {
    PersistentReservations.State kept = new PersistentReservations.State(Map.of(H1, 7L), H1,
        ReservationType.WRITE_EXCLUSIVE, 3, true);
    byte[] bytes = SharedLuStateCodec.encode(new SharedLuStateCodec.LuState(kept, null, ModeParameters.Values.DEFAULT),
        List.of());
    assertThat(SharedLuStateCodec.decode(bytes).state().reservations()).isEqualTo(kept);
    // Format 2 (before the SPC-2 holder and mode parameters) is format 3 without the last 2 bytes
    // (no holder, the mode bits); format 1 (before APTPL) is format 2 without the APTPL byte after the format.
    byte[] two = java.util.Arrays.copyOf(bytes, bytes.length - 2);
    two[0] = 2;
    assertThat(SharedLuStateCodec.decode(two).state())
        .isEqualTo(new SharedLuStateCodec.LuState(kept, null, ModeParameters.Values.DEFAULT));
    byte[] one = new byte[two.length - 1];
    one[0] = 1;
    System.arraycopy(two, 2, one, 1, two.length - 2);
    PersistentReservations.State old = SharedLuStateCodec.decode(one).state().reservations();
    assertThat(old.aptpl()).isFalse();
    assertThat(old.registrations()).isEqualTo(kept.registrations());
    assertThat(old.type()).isEqualTo(kept.type());
  }

  @Test
  void aStoreThatOutlivesPowerLossOffersAptplAndIsToldEachStatesBit() {
    MemorySharedUnitState memory = new MemorySharedUnitState();
    List<Boolean> committed = new java.util.ArrayList<>();
    SharedUnitState lasting = new SharedUnitState() {
      @Override
      public Versioned current(String d, long uniqueId) {
        return memory.current(d, uniqueId);
      }

      @Override
      public java.util.concurrent.CompletableFuture<Boolean> commit(String d, long uniqueId, long expected, byte[] state,
          boolean persist) {
        committed.add(persist);
        return memory.commit(d, uniqueId, expected, state, persist);
      }

      @Override
      public boolean persistsThroughPowerLoss() {
        return true;
      }
    };
    LogicalUnitHarness h = new LogicalUnitHarness(device, new BlockLogicalUnit(device, new TestPortGroups(1), lasting));
    h.exec(H1, Cdbs.testUnitReady());
    byte[] caps = h.good(H1, Cdbs.prIn(2, 255), new byte[0]);
    assertThat(caps[2] & 0x01).as("PTPL_C").isEqualTo(1);
    assertThat(caps[3] & 0x01).as("PTPL_A before any APTPL registration").isZero();
    byte[] p = Cdbs.prOutParameters(0, 0xa);
    p[20] = 0x01; // APTPL
    assertThat(h.exec(H1, Cdbs.prOut(REGISTER, 0), p).status()).isZero();
    assertThat(h.good(H1, Cdbs.prIn(2, 255), new byte[0])[3] & 0x01).as("PTPL_A").isEqualTo(1);
    assertThat(prOut(h, H1, REGISTER, 0, 0xa, 0xb)).as("registered again without APTPL").isZero();
    assertThat(h.good(H1, Cdbs.prIn(2, 255), new byte[0])[3] & 0x01).isZero();
    assertThat(committed).containsExactly(true, false);
  }

  @Test
  void aptplIsTheBitOfTheLastSuccessfulRegistration() {
    PersistentReservations pr = new PersistentReservations((nexus, sense) -> { });
    assertThat(pr.register(H1, 0, 5, false, true)).isEqualTo(PersistentReservations.Outcome.OK);
    assertThat(pr.aptpl()).isTrue();
    assertThat(pr.register(H2, 9, 6, false, false)).as("a wrong key: refused").isEqualTo(PersistentReservations.Outcome.CONFLICT);
    assertThat(pr.aptpl()).as("a refused registration changes nothing").isTrue();
    assertThat(pr.register(H2, 0, 6, false, false)).isEqualTo(PersistentReservations.Outcome.OK);
    assertThat(pr.aptpl()).isFalse();
    assertThat(pr.state().aptpl()).isFalse();
  }
}
