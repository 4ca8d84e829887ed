package org.snipblock.iscsi.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.snipblock.iscsi.pdu.Opcode;
import org.snipblock.iscsi.pdu.Pdu;

class CommandWindowTest {
  private static Pdu cmd(int cmdSn) {
    return Pdu.of(Opcode.SCSI_COMMAND).intAt(24, cmdSn);
  }

  @Test
  void deliversInOrderAcrossTheWrapAndIgnoresOutsiders() {
    int start = -2; // 0xfffffffe: CmdSN wraps during the test
    CommandWindow w = new CommandWindow(start, 4);
    List<Pdu> out = new ArrayList<>();
    assertThat(w.offer(start + 1, cmd(start + 1), out)).isTrue(); // gap: held back
    assertThat(out).isEmpty();
    assertThat(w.offer(start + 4, cmd(start + 4), out)).isFalse(); // beyond MaxCmdSN
    assertThat(w.offer(start, cmd(start), out)).isTrue();
    assertThat(out).extracting(p -> p.intAt(24)).containsExactly(start, start + 1);
    assertThat(w.expCmdSn()).isEqualTo(0);
    assertThat(w.offer(start, cmd(start), new ArrayList<>())).isFalse(); // below ExpCmdSN
  }

  @Test
  void windowOpensOnlyAsTasksComplete() {
    CommandWindow w = new CommandWindow(10, 2);
    List<Pdu> out = new ArrayList<>();
    w.offer(10, cmd(10), out);
    w.taskStarted();
    w.offer(11, cmd(11), out);
    w.taskStarted();
    w.refresh();
    assertThat(w.maxCmdSn()).isEqualTo(11);
    assertThat(w.offer(12, cmd(12), out)).isFalse();
    w.taskEnded();
    assertThat(w.maxCmdSn()).isEqualTo(12);
    assertThat(w.offer(12, cmd(12), out)).isTrue();
  }
}
