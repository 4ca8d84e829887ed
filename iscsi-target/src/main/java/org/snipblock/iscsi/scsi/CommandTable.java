package org.snipblock.iscsi.scsi;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The operation codes this logical unit supports, looked up by opcode and service action. */
final class CommandTable {
  private final List<CommandSpec> all = new ArrayList<>();
  private final CommandSpec[] plain = new CommandSpec[256];
  private final boolean[] hasServiceActions = new boolean[256];

  void add(CommandSpec spec) {
    all.add(spec);
    if (spec.hasServiceAction()) {
      hasServiceActions[spec.opcode()] = true;
    } else {
      plain[spec.opcode()] = spec;
    }
  }

  /**
   * The spec for this CDB. Unknown opcodes fail with INVALID COMMAND OPERATION CODE; a known
   * opcode with an unknown service action fails with INVALID FIELD IN CDB on byte 1.
   */
  CommandSpec lookup(Cdb cdb) {
    int op = cdb.opcode();
    if (!hasServiceActions[op]) {
      if (plain[op] == null) {
        throw new CheckCondition(Sense.invalidOpcode());
      }
      return plain[op];
    }
    CommandSpec spec = find(op, cdb.serviceAction());
    if (spec == null) {
      throw CheckCondition.invalidField(1, 4);
    }
    return spec;
  }

  /** Exact match for REPORT SUPPORTED OPERATION CODES, or null. */
  CommandSpec find(int opcode, int serviceAction) {
    for (CommandSpec s : all) {
      if (s.opcode() == opcode && s.serviceAction() == serviceAction) {
        return s;
      }
    }
    return null;
  }

  boolean hasServiceActions(int opcode) {
    return hasServiceActions[opcode & 0xff];
  }

  List<CommandSpec> all() {
    return Collections.unmodifiableList(all);
  }
}
