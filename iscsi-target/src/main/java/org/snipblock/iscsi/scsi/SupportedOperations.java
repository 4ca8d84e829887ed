package org.snipblock.iscsi.scsi;

import static org.snipblock.iscsi.scsi.Opcodes.*;

import java.io.ByteArrayOutputStream;
import java.util.concurrent.CompletableFuture;

/** REPORT SUPPORTED OPERATION CODES and REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS (SPC-4 6.35, 6.36). */
final class SupportedOperations {
  private static final int ALL = 0, ONE_OPCODE = 1, ONE_SERVICE_ACTION = 2;
  /** Nominal and recommended command timeouts we advertise, in seconds. */
  private static final int NOMINAL_TIMEOUT = 1, RECOMMENDED_TIMEOUT = 30;

  private final UnitContext unit;

  SupportedOperations(UnitContext unit) {
    this.unit = unit;
  }

  void register(CommandTable t) {
    t.add(CommandSpec.withServiceAction("REPORT SUPPORTED OPERATION CODES",
        SA_REPORT_SUPPORTED_OPERATION_CODES, Access.ALWAYS, this::reportOperationCodes,
        MAINTENANCE_IN, SA_REPORT_SUPPORTED_OPERATION_CODES, 0x87, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0x07));
    t.add(CommandSpec.withServiceAction("REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS",
        SA_REPORT_SUPPORTED_TASK_MANAGEMENT_FUNCTIONS, Access.ALWAYS, this::reportTaskManagement,
        MAINTENANCE_IN, SA_REPORT_SUPPORTED_TASK_MANAGEMENT_FUNCTIONS, 0x80, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0x07));
  }

  private CompletableFuture<ScsiResponse> reportOperationCodes(ScsiCommand command, Cdb cdb) {
    cdb.requireLength(12);
    cdb.control(11);
    cdb.reserved(1, 0xe0);
    cdb.reserved(2, 0x78);
    cdb.reserved(10, 0xff);
    boolean timeouts = cdb.bit(2, 7);
    int options = cdb.u8(2) & 0x07;
    int opcode = cdb.u8(3);
    int serviceAction = cdb.u16(4);
    long allocation = cdb.u32(6);
    byte[] data = switch (options) {
      case ALL -> all(timeouts);
      case ONE_OPCODE -> {
        if (unit.commands.hasServiceActions(opcode)) {
          throw CheckCondition.invalidField(3, -1);
        }
        yield one(unit.commands.find(opcode, -1), timeouts);
      }
      case ONE_SERVICE_ACTION -> {
        if (!unit.commands.hasServiceActions(opcode)) {
          throw CheckCondition.invalidField(3, -1);
        }
        yield one(unit.commands.find(opcode, serviceAction), timeouts);
      }
      default -> throw CheckCondition.invalidField(2, 2);
    };
    return Responses.data(data, allocation);
  }

  private byte[] all(boolean timeouts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (CommandSpec s : unit.commands.all()) {
      byte[] d = new byte[8];
      d[0] = (byte) s.opcode();
      Bytes.putShort(d, 2, Math.max(0, s.serviceAction()));
      d[5] = (byte) ((timeouts ? 0x02 : 0) | (s.hasServiceAction() ? 0x01 : 0));
      Bytes.putShort(d, 6, s.usage().length);
      out.writeBytes(d);
      if (timeouts) {
        out.writeBytes(timeoutDescriptor());
      }
    }
    byte[] list = out.toByteArray();
    byte[] b = new byte[4 + list.length];
    Bytes.putInt(b, 0, list.length);
    System.arraycopy(list, 0, b, 4, list.length);
    return b;
  }

  private static byte[] one(CommandSpec s, boolean timeouts) {
    if (s == null) {
      byte[] b = new byte[4];
      b[1] = 0x01; // SUPPORT 001b: not supported
      return b;
    }
    byte[] usage = s.usage();
    byte[] b = new byte[4 + usage.length + (timeouts ? 12 : 0)];
    b[1] = (byte) ((timeouts ? 0x80 : 0) | 0x03); // CTDP, SUPPORT 011b: as the standard says
    Bytes.putShort(b, 2, usage.length);
    System.arraycopy(usage, 0, b, 4, usage.length);
    if (timeouts) {
      System.arraycopy(timeoutDescriptor(), 0, b, 4 + usage.length, 12);
    }
    return b;
  }

  private static byte[] timeoutDescriptor() {
    byte[] t = new byte[12];
    Bytes.putShort(t, 0, 0x0a);
    Bytes.putInt(t, 4, NOMINAL_TIMEOUT);
    Bytes.putInt(t, 8, RECOMMENDED_TIMEOUT);
    return t;
  }

  private CompletableFuture<ScsiResponse> reportTaskManagement(ScsiCommand command, Cdb cdb) {
    cdb.requireLength(12);
    cdb.control(11);
    cdb.reserved(2, 0x7f);
    boolean extended = cdb.bit(2, 7);
    long allocation = cdb.u32(6);
    byte[] b = new byte[extended ? 16 : 4];
    // ABORT TASK, ABORT TASK SET, CLEAR ACA, CLEAR TASK SET, LOGICAL UNIT RESET, TARGET RESET
    b[0] = (byte) (0x80 | 0x40 | 0x20 | 0x10 | 0x08 | 0x02);
    b[1] = 0x01; // I_T NEXUS RESET
    if (extended) {
      b[3] = 0x0c; // additional data length
    }
    return Responses.data(b, allocation);
  }
}
