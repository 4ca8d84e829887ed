package org.snipblock.iscsi.scsi;

import static org.snipblock.iscsi.scsi.Opcodes.*;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.snipblock.iscsi.scsi.PersistentReservations.Outcome;
import org.snipblock.iscsi.scsi.PersistentReservations.Registration;
import org.snipblock.iscsi.scsi.PersistentReservations.Reservation;

/** PERSISTENT RESERVE IN and OUT (SPC-4 6.15, 6.16): decoding, and the answers. */
final class PersistentReserveCommands {
  private static final int READ_KEYS = 0, READ_RESERVATION = 1, REPORT_CAPABILITIES = 2, READ_FULL_STATUS = 3;
  private static final int REGISTER = 0, RESERVE = 1, RELEASE = 2, CLEAR = 3, PREEMPT = 4,
      PREEMPT_AND_ABORT = 5, REGISTER_AND_IGNORE = 6, REGISTER_AND_MOVE = 7;

  private final UnitContext unit;
  private final PersistentReservations pr;

  PersistentReserveCommands(UnitContext unit) {
    this.unit = unit;
    this.pr = unit.persistentReservations;
  }

  void register(CommandTable t) {
    String[] in = {"READ KEYS", "READ RESERVATION", "REPORT CAPABILITIES", "READ FULL STATUS"};
    for (int sa = 0; sa < in.length; sa++) {
      t.add(CommandSpec.withServiceAction("PERSISTENT RESERVE IN " + in[sa], sa, Access.RESERVATION,
          this::reserveIn, PERSISTENT_RESERVE_IN, sa, 0, 0, 0, 0, 0, 0xff, 0xff, 0x07));
    }
    String[] out = {"REGISTER", "RESERVE", "RELEASE", "CLEAR", "PREEMPT", "PREEMPT AND ABORT",
        "REGISTER AND IGNORE EXISTING KEY", "REGISTER AND MOVE"};
    for (int sa = 0; sa < out.length; sa++) {
      t.add(CommandSpec.withServiceAction("PERSISTENT RESERVE OUT " + out[sa], sa, Access.RESERVATION,
          this::reserveOut, PERSISTENT_RESERVE_OUT, sa, 0xff, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x07));
    }
  }

  private CompletableFuture<ScsiResponse> reserveIn(ScsiCommand command, Cdb cdb) {
    cdb.requireLength(10);
    cdb.control(9);
    cdb.reserved(1, 0xe0);
    cdb.reservedBytes(2, 6);
    if (unit.legacyHeldByOther(command.nexus())) {
      return Responses.RESERVATION_CONFLICT;
    }
    int allocation = cdb.u16(7);
    byte[] data = switch (cdb.serviceAction()) {
      case READ_KEYS -> readKeys();
      case READ_RESERVATION -> readReservation();
      case REPORT_CAPABILITIES -> reportCapabilities();
      case READ_FULL_STATUS -> readFullStatus();
      default -> throw CheckCondition.invalidField(1, 4);
    };
    return Responses.data(data, allocation);
  }

  private byte[] readKeys() {
    int generation = pr.generation();
    List<Long> keys = pr.keys();
    byte[] b = new byte[8 + 8 * keys.size()];
    Bytes.putInt(b, 0, generation);
    Bytes.putInt(b, 4, 8 * keys.size());
    for (int i = 0; i < keys.size(); i++) {
      Bytes.putLong(b, 8 + 8 * i, keys.get(i));
    }
    return b;
  }

  private byte[] readReservation() {
    int generation = pr.generation();
    Reservation r = pr.reservation();
    byte[] b = new byte[r == null ? 8 : 24];
    Bytes.putInt(b, 0, generation);
    if (r != null) {
      Bytes.putInt(b, 4, 16);
      Bytes.putLong(b, 8, r.key());
      b[21] = (byte) r.type().code; // scope 0: logical unit
    }
    return b;
  }

  private byte[] reportCapabilities() {
    byte[] b = new byte[8];
    Bytes.putShort(b, 0, 8);
    b[2] = 0x10; // CRH: RESERVE/RELEASE(6/10) succeed as no-ops where SPC-4 5.12.3 says so
    b[3] = (byte) 0x80 | 0x10; // TMV, ALLOW COMMANDS 001b
    if (unit.shared.persistsThroughPowerLoss()) {
      b[2] |= 0x01; // PTPL_C: a cluster's metadata outlives every node
      b[3] |= (byte) (pr.aptpl() ? 0x01 : 0); // PTPL_A
    }
    // WR_EX_AR, EX_AC_RO, WR_EX_RO, EX_AC, WR_EX; EX_AC_AR
    b[4] = (byte) (0x80 | 0x40 | 0x20 | 0x08 | 0x02);
    b[5] = 0x01;
    return b;
  }

  private byte[] readFullStatus() {
    int generation = pr.generation();
    Reservation r = pr.reservation();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Registration reg : pr.registrations()) {
      byte[] transportId = TransportIds.encode(reg.nexus());
      byte[] d = new byte[24];
      Bytes.putLong(d, 0, reg.key());
      d[12] = (byte) (reg.holder() ? 0x01 : 0x00);
      if (reg.holder() && r != null) {
        d[13] = (byte) r.type().code;
      }
      Bytes.putShort(d, 18, Math.max(1, reg.nexus().tpgt()));
      Bytes.putInt(d, 20, transportId.length);
      out.writeBytes(d);
      out.writeBytes(transportId);
    }
    byte[] descriptors = out.toByteArray();
    byte[] b = new byte[8 + descriptors.length];
    Bytes.putInt(b, 0, generation);
    Bytes.putInt(b, 4, descriptors.length);
    System.arraycopy(descriptors, 0, b, 8, descriptors.length);
    return b;
  }

  private CompletableFuture<ScsiResponse> reserveOut(ScsiCommand command, Cdb cdb) {
    cdb.requireLength(10);
    cdb.control(9);
    cdb.reserved(1, 0xe0);
    cdb.reservedBytes(3, 4);
    int sa = cdb.serviceAction();
    int scope = cdb.u8(2) >>> 4;
    int typeCode = cdb.u8(2) & 0x0f;
    long listLength = cdb.u32(5);
    ItNexus nexus = command.nexus();
    if (unit.legacyHeldByOther(nexus)) {
      return Responses.RESERVATION_CONFLICT;
    }
    ReservationType type = null;
    if (sa == RESERVE || sa == RELEASE || sa == PREEMPT || sa == PREEMPT_AND_ABORT) {
      if (scope != 0) {
        throw CheckCondition.invalidField(2, 7);
      }
      type = ReservationType.of(typeCode);
      if (type == null && !(sa == PREEMPT || sa == PREEMPT_AND_ABORT || sa == RELEASE) ) {
        throw CheckCondition.invalidField(2, 3);
      }
    }
    if (sa == REGISTER_AND_MOVE) {
      return registerAndMove(command, nexus, listLength);
    }
    if (listLength != 24) {
      throw new CheckCondition(Sense.parameterListLengthError());
    }
    byte[] p = DataOut.parameters(command, 24);
    long key = Bytes.u64(p, 0);
    long saKey = Bytes.u64(p, 8);
    int flags = Bytes.u8(p, 20);
    if ((flags & 0x08) != 0) {
      throw CheckCondition.invalidParameter(20, 3); // SPEC_I_PT not supported
    }
    if ((flags & 0x04) != 0) {
      throw CheckCondition.invalidParameter(20, 2); // ALL_TG_PT not supported
    }
    boolean aptpl = (flags & 0x01) != 0;
    if (aptpl && !unit.shared.persistsThroughPowerLoss()) {
      throw CheckCondition.invalidParameter(20, 0); // APTPL: a standalone node's reservations live in memory
    }
    if ((sa == PREEMPT || sa == PREEMPT_AND_ABORT) && type == null) {
      throw CheckCondition.invalidField(2, 3);
    }
    if (sa > REGISTER_AND_IGNORE) {
      throw CheckCondition.invalidField(1, 4);
    }
    ReservationType stated = type;
    return answer(unit.shared.changeReservations(pr -> switch (sa) {
      case REGISTER -> pr.register(nexus, key, saKey, false, aptpl);
      case REGISTER_AND_IGNORE -> pr.register(nexus, key, saKey, true, aptpl);
      case RESERVE -> pr.reserve(nexus, key, stated);
      case RELEASE -> pr.release(nexus, key, stated);
      case CLEAR -> pr.clear(nexus, key);
      default -> pr.preempt(nexus, key, saKey, stated);
    }));
  }

  private CompletableFuture<ScsiResponse> registerAndMove(ScsiCommand command, ItNexus nexus, long listLength) {
    if (listLength < 24) {
      throw new CheckCondition(Sense.parameterListLengthError());
    }
    byte[] p = DataOut.parameters(command, (int) Math.min(listLength, 24 + 260));
    long key = Bytes.u64(p, 0);
    long saKey = Bytes.u64(p, 8);
    boolean unregister = (p[17] & 0x02) != 0;
    boolean aptpl = (p[17] & 0x01) != 0;
    if (aptpl && !unit.shared.persistsThroughPowerLoss()) {
      throw CheckCondition.invalidParameter(17, 0);
    }
    int idLength = (int) Bytes.u32(p, 20);
    if (24 + idLength > p.length) {
      throw new CheckCondition(Sense.parameterListLengthError());
    }
    ItNexus destination = TransportIds.decode(p, 24, idLength, nexus);
    return answer(unit.shared.changeReservations(pr -> pr.registerAndMove(nexus, key, saKey, destination, unregister, aptpl)));
  }

  private static CompletableFuture<ScsiResponse> answer(CompletableFuture<Outcome> shared) {
    return shared.thenCompose(outcome -> switch (outcome) {
      case OK -> Responses.GOOD;
      case CONFLICT -> Responses.RESERVATION_CONFLICT;
      case INVALID_RELEASE -> Responses.<ScsiResponse>fail(Sense.invalidReleaseOfPersistentReservation());
      case INVALID_PARAMETER -> Responses.<ScsiResponse>fail(Sense.invalidFieldInParameterList(8, -1));
    });
  }


  /** iSCSI TransportIDs (SPC-4 7.6.4.6), format 01b: "name,i,0xISID". */
  static final class TransportIds {
    private TransportIds() {}

    static byte[] encode(ItNexus nexus) {
      byte[] name = nexus.initiatorPortName().getBytes(StandardCharsets.UTF_8);
      int n = (name.length + 1 + 3) & ~3;
      byte[] b = new byte[4 + n];
      b[0] = 0x45; // format 01b, protocol identifier 5 (iSCSI)
      Bytes.putShort(b, 2, n);
      System.arraycopy(name, 0, b, 4, name.length);
      return b;
    }

    /** The nexus a TransportID names, on the same target port as {@code via}. */
    static ItNexus decode(byte[] p, int at, int length, ItNexus via) {
      if (length < 4 || (p[at] & 0x0f) != 0x05) {
        throw CheckCondition.invalidParameter(at, -1);
      }
      int format = (p[at] >>> 6) & 0x03;
      int nameLength = Math.min(Bytes.u16(p, at + 2), length - 4);
      String text = new String(p, at + 4, nameLength, StandardCharsets.UTF_8);
      int nul = text.indexOf('\0');
      if (nul >= 0) {
        text = text.substring(0, nul);
      }
      if (format == 0) {
        return new ItNexus(text, via.isid(), via.targetName(), via.tpgt());
      }
      int sep = text.toLowerCase().indexOf(",i,0x");
      if (format != 1 || sep < 0) {
        throw CheckCondition.invalidParameter(at, -1);
      }
      try {
        long isid = Long.parseLong(text.substring(sep + 5), 16);
        return new ItNexus(text.substring(0, sep), isid, via.targetName(), via.tpgt());
      } catch (NumberFormatException e) {
        throw CheckCondition.invalidParameter(at + 4, -1);
      }
    }
  }
}
