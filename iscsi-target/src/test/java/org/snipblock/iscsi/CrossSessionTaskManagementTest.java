package org.snipblock.iscsi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.snipblock.block.MemoryCatalog;
import org.snipblock.iscsi.pdu.Opcode;
import org.snipblock.iscsi.pdu.Pdu;

/**
 * Task management that reaches beyond the session it arrives on: CLEAR TASK SET, LUN RESET and
 * the target resets concern the tasks of every nexus of the logical unit (SAM-5), and a TARGET
 * COLD RESET drops every connection (RFC 7143 11.5.1).
 */
class CrossSessionTaskManagementTest {
  private static final String TARGET = IscsiTargetConfig.DEFAULT_PREFIX + "disk";
  private static final byte[] WRITE_2_BLOCKS = {0x2a, 0, 0, 0, 0, 0, 0, 0, 2, 0};

  private static IscsiChannelHarness session(IscsiChannelHarness h, String initiator) {
    assertThat(h.loginNormalAs(initiator, TARGET, "InitialR2T=Yes").shortAt(36)).isZero();
    Pdu tur = TestPdus.scsi(0x7fff, 0, 0x80, 0, new byte[6], new byte[0]);
    tur.bhs()[0] |= 0x40; // takes the power-on unit attention, leaves CmdSN at 0
    h.send(tur);
    return h;
  }

  private static Pdu tmf(int function, int itt) {
    Pdu tmf = Pdu.of(Opcode.TASK_MGMT_REQUEST).flags(0x80 | function).initiatorTaskTag(itt);
    tmf.bhs()[0] |= 0x40;
    tmf.intAt(20, -1).intAt(24, 0);
    return tmf;
  }

  /** B's answer to the task management, and the transfer tag of A's pending WRITE. */
  private record Outcome(List<Pdu> answer, int transferTag) {}

  /** Session A has a WRITE waiting for its data; B sends {@code function}. */
  private static Outcome taskManagementFromB(IscsiChannelHarness a, IscsiChannelHarness b,
      int function) {
    List<Pdu> r2t = a.send(TestPdus.scsi(7, 0, 0x80 | 0x20, 1024, WRITE_2_BLOCKS, new byte[0]));
    assertThat(r2t).extracting(Pdu::opcode).containsExactly(Opcode.R2T);
    List<Pdu> out = new ArrayList<>(b.send(tmf(function, 40)));
    a.drain(); // A's event loop aborts its tasks
    out.addAll(b.drain()); // then B answers
    assertThat(out).extracting(Pdu::opcode).containsExactly(Opcode.TASK_MGMT_RESPONSE);
    assertThat(out.get(0).byteAt(2)).isZero();
    return new Outcome(out, r2t.get(0).intAt(20));
  }

  @Test
  void clearTaskSetAbortsTheTasksOfOtherSessions() {
    IscsiChannelHarness a = session(
        new IscsiChannelHarness(IscsiTargetConfig.defaults(), new MemoryCatalog().add("disk", 1 << 20)),
        "iqn.2026-11.test:a");
    IscsiChannelHarness b = session(a.sibling(), "iqn.2026-11.test:b");
    Outcome o = taskManagementFromB(a, b, 4);
    // A's write is gone: its data is discarded and no response ever comes for it.
    assertThat(a.send(TestPdus.dataOut(7, o.transferTag(), 0, 0, true, new byte[1024])))
        .isEmpty();
    assertThat(a.channel.isActive()).isTrue();
  }

  @Test
  void abortTaskSetLeavesOtherSessionsAlone() {
    IscsiChannelHarness a = session(
        new IscsiChannelHarness(IscsiTargetConfig.defaults(), new MemoryCatalog().add("disk", 1 << 20)),
        "iqn.2026-11.test:a");
    IscsiChannelHarness b = session(a.sibling(), "iqn.2026-11.test:b");
    Outcome o = taskManagementFromB(a, b, 2);
    // A's write still runs: its data completes it.
    assertThat(a.send(TestPdus.dataOut(7, o.transferTag(), 0, 0, true, new byte[1024])))
        .extracting(Pdu::opcode).containsExactly(Opcode.SCSI_RESPONSE);
  }

  @Test
  void targetColdResetDropsEverySessionOfTheTarget() {
    IscsiChannelHarness a = session(
        new IscsiChannelHarness(IscsiTargetConfig.defaults(), new MemoryCatalog().add("disk", 1 << 20)),
        "iqn.2026-11.test:a");
    IscsiChannelHarness b = session(a.sibling(), "iqn.2026-11.test:b");
    taskManagementFromB(a, b, 7);
    a.drain();
    assertThat(a.channel.isActive()).isFalse();
    assertThat(b.channel.isActive()).isFalse();
    assertThat(a.context.sessions().all()).isEmpty();
  }
}
