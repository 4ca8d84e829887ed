package org.snipblock.iscsi.scsi;

import static org.snipblock.iscsi.scsi.Opcodes.MAINTENANCE_IN;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.snipblock.iscsi.alua.PortGroup;

/**
 * REPORT TARGET PORT GROUPS (SPC-4 6.36): every target port group of the LU with its asymmetric
 * access state. In snipblock a group is a node, with one target port whose relative identifier is
 * the group's number. Transitions are implicit (the optimized path follows the primary) and, where
 * the port groups allow it, explicit too ({@link SetTargetPortGroupsCommand}: the initiator moves the
 * primary to a group's node).
 */
final class TargetPortGroupCommands {
  static final int SA_REPORT_TARGET_PORT_GROUPS = 0x0a;
  /** The states a group may take here: T_SUP, S_SUP, AN_SUP, AO_SUP (U_SUP: unavailable, not used). */
  private static final int SUPPORTED_STATES = 0x80 | 0x04 | 0x02 | 0x01;
  /** Extended header's IMPLICIT TRANSITION TIME: seconds an initiator should allow a transition. */
  static final int IMPLICIT_TRANSITION_SECONDS = 30;

  private final AsymmetricAccess alua;

  TargetPortGroupCommands(AsymmetricAccess alua) {
    this.alua = alua;
  }

  void register(CommandTable t) {
    t.add(CommandSpec.withServiceAction("REPORT TARGET PORT GROUPS", SA_REPORT_TARGET_PORT_GROUPS,
        Access.ALWAYS, this::report,
        MAINTENANCE_IN, 0x20 | SA_REPORT_TARGET_PORT_GROUPS, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0x07));
  }

  private CompletableFuture<ScsiResponse> report(ScsiCommand command, Cdb cdb) {
    cdb.requireLength(12);
    cdb.control(11);
    int format = cdb.u8(1) >>> 5;
    if (format > 1) {
      throw CheckCondition.invalidField(1, 7);
    }
    cdb.reservedBytes(2, 5);
    cdb.reserved(10, 0xff);
    long allocation = cdb.u32(6);
    return Responses.data(data(alua.groups(command.nexus().tpgt()), format == 1), allocation);
  }

  static byte[] data(List<PortGroup> groups, boolean extendedHeader) {
    int header = extendedHeader ? 8 : 4;
    byte[] b = new byte[header + groups.size() * 12];
    Bytes.putInt(b, 0, b.length - 4);
    if (extendedHeader) {
      b[4] = 0x10; // FORMAT TYPE 001b
      b[5] = (byte) IMPLICIT_TRANSITION_SECONDS;
    }
    int at = header;
    for (PortGroup g : groups) {
      b[at] = (byte) g.state().code(); // PREF 0: no group is preferred beyond its state
      b[at + 1] = (byte) SUPPORTED_STATES;
      Bytes.putShort(b, at + 2, g.tag());
      b[at + 7] = 1; // one target port in the group
      Bytes.putShort(b, at + 10, g.tag()); // its relative target port identifier
      at += 12;
    }
    return b;
  }
}
