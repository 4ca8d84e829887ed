package org.snipblock.iscsi;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.snipblock.iscsi.pdu.Opcode;
import org.snipblock.iscsi.pdu.Pdu;

/** Builds initiator PDUs for codec- and handler-level tests. */
public final class TestPdus {
  public static final long ISID = 0x400001370000L;

  private TestPdus() {}

  public static Pdu login(int flags, int itt, int cmdSn, String... keys) {
    Pdu pdu = Pdu.of(Opcode.LOGIN_REQUEST).flags(flags);
    pdu.bhs()[0] |= 0x40;
    pdu.longAt(8, ISID << 16);
    pdu.initiatorTaskTag(itt).intAt(24, cmdSn);
    return pdu.data(ByteBuffer.wrap(text(keys)));
  }

  public static byte[] text(String... keys) {
    StringBuilder sb = new StringBuilder();
    for (String k : keys) {
      sb.append(k).append('\0');
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  public static Pdu nopOut(int itt, int cmdSn, byte[] ping) {
    Pdu pdu = Pdu.of(Opcode.NOP_OUT).flags(0x80);
    pdu.bhs()[0] |= 0x40;
    pdu.initiatorTaskTag(itt).intAt(20, Pdu.RESERVED_TAG).intAt(24, cmdSn);
    return pdu.data(ByteBuffer.wrap(ping));
  }

  public static Pdu scsi(int itt, int cmdSn, int flags, int edtl, byte[] cdb, byte[] immediate) {
    Pdu pdu = Pdu.of(Opcode.SCSI_COMMAND).flags(flags);
    pdu.initiatorTaskTag(itt).intAt(20, edtl).intAt(24, cmdSn);
    System.arraycopy(cdb, 0, pdu.bhs(), 32, cdb.length);
    return pdu.data(ByteBuffer.wrap(immediate));
  }

  public static Pdu dataOut(int itt, int ttt, int dataSn, int offset, boolean last, byte[] data) {
    Pdu pdu = Pdu.of(Opcode.DATA_OUT).flags(last ? 0x80 : 0);
    pdu.initiatorTaskTag(itt).intAt(20, ttt).intAt(36, dataSn).intAt(40, offset);
    return pdu.data(ByteBuffer.wrap(data));
  }

  public static String keys(Pdu pdu) {
    ByteBuffer d = pdu.data().duplicate();
    byte[] b = new byte[d.remaining()];
    d.get(b);
    return new String(b, StandardCharsets.UTF_8).replace('\0', ';');
  }
}
