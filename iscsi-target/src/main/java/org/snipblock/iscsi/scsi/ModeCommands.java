package org.snipblock.iscsi.scsi;

import static org.snipblock.iscsi.scsi.Opcodes.*;

import java.util.concurrent.CompletableFuture;
import org.snipblock.iscsi.scsi.ModePages.PageControl;

/** MODE SENSE and MODE SELECT (6) and (10), over {@link ModePages}. */
final class ModeCommands {
  private final UnitContext unit;

  ModeCommands(UnitContext unit) {
    this.unit = unit;
  }

  void register(CommandTable t) {
    t.add(CommandSpec.of("MODE SENSE(6)", Access.READ, this::modeSense, MODE_SENSE_6, 0x08, 0xff, 0xff, 0xff, 0x07));
    t.add(CommandSpec.of("MODE SENSE(10)", Access.READ, this::modeSense,
        MODE_SENSE_10, 0x18, 0xff, 0xff, 0, 0, 0, 0xff, 0xff, 0x07));
    t.add(CommandSpec.of("MODE SELECT(6)", Access.WRITE, this::modeSelect, MODE_SELECT_6, 0x11, 0, 0, 0xff, 0x07));
    t.add(CommandSpec.of("MODE SELECT(10)", Access.WRITE, this::modeSelect,
        MODE_SELECT_10, 0x11, 0, 0, 0, 0, 0, 0xff, 0xff, 0x07));
  }

  private CompletableFuture<ScsiResponse> modeSense(ScsiCommand command, Cdb cdb) {
    boolean ten = cdb.opcode() == MODE_SENSE_10;
    cdb.requireLength(ten ? 10 : 6);
    cdb.control(ten ? 9 : 5);
    cdb.reserved(1, ten ? 0xe7 : 0xf7);
    if (ten) {
      cdb.reservedBytes(4, 6);
    }
    boolean dbd = cdb.bit(1, 3);
    boolean longLba = ten && cdb.bit(1, 4);
    int pc = cdb.u8(2) >>> 6;
    int page = cdb.u8(2) & 0x3f;
    int subpage = cdb.u8(3);
    long allocation = ten ? cdb.u16(7) : cdb.u8(4);
    if (pc == 3) {
      throw new CheckCondition(Sense.savingParametersNotSupported());
    }
    if (page != ModePages.ALL_PAGES && !ModePages.supported(page)) {
      throw CheckCondition.invalidField(2, 5);
    }
    if (subpage != 0 && !(subpage == 0xff && page == ModePages.ALL_PAGES)) {
      throw CheckCondition.invalidField(3, -1);
    }
    PageControl control = PageControl.values()[pc];
    byte[] pages = ModePages.encode(page, control, unit.mode);
    byte[] descriptor = dbd ? new byte[0] : blockDescriptor(longLba);
    int headerLength = ten ? 8 : 4;
    byte[] out = new byte[headerLength + descriptor.length + pages.length];
    int deviceSpecific = (unit.writeProtected() ? 0x80 : 0) | 0x10; // WP, DPOFUA
    if (ten) {
      Bytes.putShort(out, 0, out.length - 2);
      out[3] = (byte) deviceSpecific;
      out[4] = (byte) (longLba && !dbd ? 0x01 : 0);
      Bytes.putShort(out, 6, descriptor.length);
    } else {
      out[0] = (byte) (out.length - 1);
      out[2] = (byte) deviceSpecific;
      out[3] = (byte) descriptor.length;
    }
    System.arraycopy(descriptor, 0, out, headerLength, descriptor.length);
    System.arraycopy(pages, 0, out, headerLength + descriptor.length, pages.length);
    return Responses.data(out, allocation);
  }

  private byte[] blockDescriptor(boolean longLba) {
    long blocks = unit.geometry.blocks();
    if (longLba) {
      byte[] d = new byte[16];
      Bytes.putLong(d, 0, blocks);
      Bytes.putInt(d, 12, unit.geometry.blockSize());
      return d;
    }
    byte[] d = new byte[8];
    Bytes.putInt(d, 0, (int) Math.min(blocks, 0xffffffffL));
    Bytes.putInt(d, 4, unit.geometry.blockSize() & 0xffffff);
    return d;
  }

  private CompletableFuture<ScsiResponse> modeSelect(ScsiCommand command, Cdb cdb) {
    boolean ten = cdb.opcode() == MODE_SELECT_10;
    cdb.requireLength(ten ? 10 : 6);
    cdb.control(ten ? 9 : 5);
    cdb.reserved(1, 0xee);
    if (ten) {
      cdb.reservedBytes(2, 6);
    } else {
      cdb.reservedBytes(2, 3);
    }
    if (!cdb.bit(1, 4)) {
      throw CheckCondition.invalidField(1, 4); // PF: only standard page format
    }
    if (cdb.bit(1, 0)) {
      throw CheckCondition.invalidField(1, 0); // SP: nothing is saved across power loss
    }
    int length = ten ? cdb.u16(7) : cdb.u8(4);
    if (length == 0) {
      return Responses.GOOD;
    }
    byte[] p = DataOut.parameters(command, length);
    ModeSelectParameters.apply(p, ten, unit.geometry.blockSize(), unit.mode); // a bad list fails here, nothing shared
    ItNexus nexus = command.nexus();
    // Applied to the LU's newest shared parameters, so every path's MODE SENSE reports the change.
    return unit.shared.change(c -> {
      ModeParameters.Values next = ModeSelectParameters.apply(p, ten, unit.geometry.blockSize(), c.mode);
      if (!next.equals(c.mode.values())) {
        c.mode.restore(next);
        c.attentionForEveryNexusBut(nexus, UnitAttentions.MODE_PARAMETERS_CHANGED);
      }
      return null;
    }).thenCompose(x -> Responses.GOOD);
  }
}
