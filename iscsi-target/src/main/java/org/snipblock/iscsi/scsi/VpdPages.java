package org.snipblock.iscsi.scsi;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Vital product data pages (SPC-4 7.8, SBC-3 6.5): supported pages, unit serial number, device
 * identification with identifiers derived from the volume's stable unique id, block limits,
 * block device characteristics and logical block provisioning.
 */
final class VpdPages {
  static final int SUPPORTED_PAGES = 0x00;
  static final int UNIT_SERIAL_NUMBER = 0x80;
  static final int THIRD_PARTY_COPY = 0x8f;
  static final int DEVICE_IDENTIFICATION = 0x83;
  static final int BLOCK_LIMITS = 0xb0;
  static final int BLOCK_DEVICE_CHARACTERISTICS = 0xb1;
  static final int LOGICAL_BLOCK_PROVISIONING = 0xb2;

  private static final int[] PAGES = {
    SUPPORTED_PAGES, UNIT_SERIAL_NUMBER, DEVICE_IDENTIFICATION, THIRD_PARTY_COPY,
    BLOCK_LIMITS, BLOCK_DEVICE_CHARACTERISTICS, LOGICAL_BLOCK_PROVISIONING
  };
  /** Locally administered IEEE company id for NAA type 6 / EUI-64 identifiers. */
  private static final int COMPANY_ID = 0x0a_53_42; // "\nSB": locally administered bit set

  private final UnitContext unit;

  VpdPages(UnitContext unit) {
    this.unit = unit;
  }

  /** The page, or null if we do not have it. */
  byte[] page(int code, ItNexus nexus) {
    return switch (code) {
      case SUPPORTED_PAGES -> supportedPages();
      case UNIT_SERIAL_NUMBER -> serialNumber();
      case DEVICE_IDENTIFICATION -> deviceIdentification(nexus);
      case THIRD_PARTY_COPY -> thirdPartyCopy();
      case BLOCK_LIMITS -> blockLimits();
      case BLOCK_DEVICE_CHARACTERISTICS -> blockDeviceCharacteristics();
      case LOGICAL_BLOCK_PROVISIONING -> logicalBlockProvisioning();
      default -> null;
    };
  }

  private static byte[] header(int code, int payloadLength) {
    byte[] b = new byte[4 + payloadLength];
    b[1] = (byte) code;
    Bytes.putShort(b, 2, payloadLength);
    return b;
  }

  private byte[] supportedPages() {
    byte[] b = header(SUPPORTED_PAGES, PAGES.length);
    for (int i = 0; i < PAGES.length; i++) {
      b[4 + i] = (byte) PAGES[i];
    }
    return b;
  }

  String serial() {
    return String.format("%016x", unit.device.uniqueId());
  }

  private byte[] serialNumber() {
    String serial = serial();
    byte[] b = header(UNIT_SERIAL_NUMBER, serial.length());
    Bytes.putAscii(b, 4, serial.length(), serial);
    return b;
  }

  private byte[] deviceIdentification(ItNexus nexus) {
    long id = unit.device.uniqueId();
    ByteArrayOutputStream d = new ByteArrayOutputStream();
    // NAA IEEE Registered Extended (6h): company id, then the volume id across the rest.
    byte[] naa = new byte[16];
    naa[0] = (byte) (0x60 | (COMPANY_ID >>> 20));
    naa[1] = (byte) (COMPANY_ID >>> 12);
    naa[2] = (byte) (COMPANY_ID >>> 4);
    naa[3] = (byte) ((COMPANY_ID << 4) & 0xf0);
    Bytes.putLong(naa, 8, id);
    designator(d, 0x01, 0x03, false, naa);
    // EUI-64 based 16-byte: company id, then the volume id.
    byte[] eui = new byte[16];
    eui[0] = (byte) (COMPANY_ID >>> 16);
    eui[1] = (byte) (COMPANY_ID >>> 8);
    eui[2] = (byte) COMPANY_ID;
    Bytes.putLong(eui, 8, id);
    designator(d, 0x01, 0x02, false, eui);
    // T10 vendor id: vendor, then something readable that is also unique.
    byte[] t10 = (pad(InquiryCommand.VENDOR, 8) + unit.device.name() + ":" + serial())
        .getBytes(StandardCharsets.US_ASCII);
    designator(d, 0x02, 0x01, false, t10);
    if (nexus != null) {
      // Relative target port (association: target port, protocol iSCSI); one port per portal group.
      byte[] port = new byte[4];
      Bytes.putShort(port, 2, Math.max(1, nexus.tpgt()));
      designator(d, 0x01, 0x14, true, port);
      // Target port group (association: target port): the node's group, as REPORT TARGET PORT GROUPS lists it.
      byte[] group = new byte[4];
      Bytes.putShort(group, 2, Math.max(1, nexus.tpgt()));
      designator(d, 0x01, 0x15, false, group);
      // SCSI name string of the target port: the iSCSI target name with its portal group tag.
      String name = nexus.targetName() + ",t,0x" + String.format("%04x", nexus.tpgt());
      designator(d, 0x03, 0x18, true, nul4(name));
    }
    byte[] payload = d.toByteArray();
    byte[] b = header(DEVICE_IDENTIFICATION, payload.length);
    System.arraycopy(payload, 0, b, 4, payload.length);
    return b;
  }

  /**
   * @param codeSet  1 binary, 2 ASCII, 3 UTF-8
   * @param assocAndType association (bits 5-4) and designator type (bits 3-0)
   * @param iscsi    sets PIV with protocol identifier 5 (iSCSI)
   */
  private static void designator(ByteArrayOutputStream out, int codeSet, int assocAndType, boolean iscsi, byte[] value) {
    out.write((iscsi ? 0x50 : 0x00) | codeSet);
    out.write((iscsi ? 0x80 : 0x00) | assocAndType);
    out.write(0);
    out.write(value.length);
    out.writeBytes(value);
  }

  /** SCSI name strings are null-terminated and padded to a multiple of four bytes. */
  private static byte[] nul4(String s) {
    byte[] raw = s.getBytes(StandardCharsets.UTF_8);
    int n = (raw.length + 1 + 3) & ~3;
    byte[] out = new byte[Math.min(n, 252)];
    System.arraycopy(raw, 0, out, 0, Math.min(raw.length, out.length - 1));
    return out;
  }

  private static String pad(String s, int width) {
    return String.format("%-" + width + "s", s);
  }

  /** SPC-4 7.8.17: the Supported Commands descriptor, for EXTENDED COPY (LID1). */
  private static byte[] thirdPartyCopy() {
    byte[] commands = {
      (byte) Opcodes.EXTENDED_COPY, 1, 0x00,
      (byte) Opcodes.RECEIVE_COPY_RESULTS, 2, 0x00, 0x03,
    };
    int descriptorLength = (1 + commands.length + 3) & ~3; // a multiple of four
    byte[] b = header(THIRD_PARTY_COPY, 4 + descriptorLength);
    Bytes.putShort(b, 4, 0x0001); // SUPPORTED COMMANDS
    Bytes.putShort(b, 6, descriptorLength);
    b[8] = (byte) commands.length;
    System.arraycopy(commands, 0, b, 9, commands.length);
    return b;
  }

  private byte[] blockLimits() {
    Geometry g = unit.geometry;
    byte[] b = header(BLOCK_LIMITS, 0x3c);
    b[4] = 0x00; // WSNZ 0: WRITE SAME with zero blocks means to the end
    b[5] = (byte) Geometry.MAX_COMPARE_AND_WRITE_BLOCKS;
    Bytes.putShort(b, 6, g.logicalPerPhysical()); // OPTIMAL TRANSFER LENGTH GRANULARITY
    Bytes.putInt(b, 8, g.maxTransferBlocks());
    Bytes.putInt(b, 12, Math.max(1, (1 << 20) / g.blockSize())); // OPTIMAL TRANSFER LENGTH
    Bytes.putInt(b, 16, g.maxTransferBlocks()); // MAXIMUM PREFETCH LENGTH
    Bytes.putInt(b, 20, Geometry.MAX_UNMAP_BLOCKS);
    Bytes.putInt(b, 24, Geometry.MAX_UNMAP_DESCRIPTORS);
    Bytes.putInt(b, 28, g.logicalPerPhysical()); // OPTIMAL UNMAP GRANULARITY
    Bytes.putInt(b, 32, 0x80000000); // UGAVALID, alignment 0
    Bytes.putLong(b, 36, g.maxWriteSameBlocks());
    Bytes.putInt(b, 44, g.maxTransferBlocks()); // MAXIMUM ATOMIC TRANSFER LENGTH (WRITE ATOMIC)
    return b;
  }

  private static byte[] blockDeviceCharacteristics() {
    byte[] b = header(BLOCK_DEVICE_CHARACTERISTICS, 0x3c);
    Bytes.putShort(b, 4, 0x0001); // non-rotating medium
    // WABEREQ 01b: after a SANITIZE BLOCK ERASE reads succeed (and return zeroes, LBPRZ).
    // WACEREQ stays 0: CRYPTOGRAPHIC ERASE is not supported.
    b[7] = 0x40;
    return b;
  }

  private static byte[] logicalBlockProvisioning() {
    byte[] b = header(LOGICAL_BLOCK_PROVISIONING, 4);
    b[4] = 0; // threshold exponent
    b[5] = (byte) (0x80 | 0x40 | 0x20 | 0x04); // LBPU, LBPWS, LBPWS10, LBPRZ
    b[6] = 0x02; // provisioning type: thin
    return b;
  }
}
