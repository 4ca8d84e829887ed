package org.snipblock.iscsi.scsi;

/**
 * One supported operation: how to run it, how it relates to reservations and unit attentions,
 * and its CDB usage data for REPORT SUPPORTED OPERATION CODES.
 *
 * @param serviceAction service action, or -1 for an operation code without service actions
 * @param usage         CDB USAGE DATA: byte 0 is the opcode, then a mask of the bits we honour
 * @param reportsUnitAttention false for INQUIRY, REPORT LUNS and REQUEST SENSE (SPC-4 5.14)
 */
record CommandSpec(
    String name,
    int opcode,
    int serviceAction,
    byte[] usage,
    Access access,
    boolean reportsUnitAttention,
    CommandHandler handler) {

  boolean hasServiceAction() {
    return serviceAction >= 0;
  }

  static CommandSpec of(String name, Access access, CommandHandler handler, int... usage) {
    return new CommandSpec(name, usage[0], -1, bytes(usage), access, true, handler);
  }

  static CommandSpec withServiceAction(
      String name, int serviceAction, Access access, CommandHandler handler, int... usage) {
    return new CommandSpec(name, usage[0], serviceAction, bytes(usage), access, true, handler);
  }

  CommandSpec withoutUnitAttention() {
    return new CommandSpec(name, opcode, serviceAction, usage, access, false, handler);
  }

  private static byte[] bytes(int... v) {
    byte[] b = new byte[v.length];
    for (int i = 0; i < v.length; i++) {
      b[i] = (byte) v[i];
    }
    return b;
  }
}
