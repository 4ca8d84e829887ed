package org.snipblock.iscsi.scsi;

import static org.snipblock.iscsi.scsi.Opcodes.*;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * VERIFY (10/12/16). BYTCHK 00b reads the range back (the device checks its checksums and fails
 * with MEDIUM ERROR if one does not verify); 01b compares with the Data-Out buffer; 11b compares
 * every block with the single block sent (SBC-4 5.37).
 */
final class VerifyCommands {
  private final UnitContext unit;

  VerifyCommands(UnitContext unit) {
    this.unit = unit;
  }

  void register(CommandTable t) {
    t.add(CommandSpec.of("VERIFY(10)", Access.READ, this::verify,
        VERIFY_10, 0xf6, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, 0x07));
    t.add(CommandSpec.of("VERIFY(12)", Access.READ, this::verify,
        VERIFY_12, 0xf6, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x07));
    t.add(CommandSpec.of("VERIFY(16)", Access.READ, this::verify,
        VERIFY_16, 0xf6, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x07));
  }

  private CompletableFuture<ScsiResponse> verify(ScsiCommand command, Cdb cdb) {
    TransferCdb t = ReadWriteCommands.decode(unit, cdb);
    int bytchk = (t.flags() >>> 1) & 0x03;
    if (bytchk == 2) {
      throw CheckCondition.invalidField(1, 2);
    }
    if (t.blocks() == 0) {
      return Responses.GOOD;
    }
    int blockSize = unit.geometry.blockSize();
    int length = (int) t.byteLength(blockSize);
    ByteBuffer expected = switch (bytchk) {
      case 0 -> null;
      case 1 -> DataOut.exactly(command, length, t.lengthField());
      default -> DataOut.exactly(command, blockSize, t.lengthField());
    };
    ByteBuffer medium = ByteBuffer.allocate(length);
    return unit.device.read(unit.geometry.offset(t.lba()), medium).thenApply(v -> {
      if (expected == null) {
        return ScsiResponse.good();
      }
      medium.flip();
      long mismatch = bytchk == 1 ? medium.mismatch(expected) : mismatchRepeated(medium, expected);
      if (mismatch >= 0) {
        throw new CheckCondition(Sense.miscompare(mismatch));
      }
      return ScsiResponse.good();
    });
  }

  private static long mismatchRepeated(ByteBuffer medium, ByteBuffer block) {
    int n = block.remaining();
    for (int at = 0; at < medium.remaining(); at += n) {
      int m = medium.slice(at, n).mismatch(block);
      if (m >= 0) {
        return at + m;
      }
    }
    return -1;
  }
}
