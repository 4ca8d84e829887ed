package org.snipblock.iscsi.scsi;

import static org.snipblock.iscsi.scsi.Opcodes.*;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

/**
 * COMPARE AND WRITE (hypervisors' disk lock, VMware ATS), ORWRITE(16) and WRITE ATOMIC(16): each
 * replaces a range as one indivisible step, through {@code BlockDevice.compareAndWrite}.
 */
final class AtomicWriteCommands {
  /** Read-then-swap retries when a concurrent write changed the range between the two steps. */
  private static final int ATTEMPTS = 16;

  private final UnitContext unit;

  AtomicWriteCommands(UnitContext unit) {
    this.unit = unit;
  }

  void register(CommandTable t) {
    t.add(CommandSpec.of("COMPARE AND WRITE", Access.WRITE, this::compareAndWrite,
        COMPARE_AND_WRITE, 0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0xff, 0x1f, 0x07));
    t.add(CommandSpec.of("ORWRITE(16)", Access.WRITE, this::orWrite,
        ORWRITE_16, 0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x07));
    t.add(CommandSpec.of("WRITE ATOMIC(16)", Access.WRITE, this::writeAtomic,
        WRITE_ATOMIC_16, 0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0xff, 0xff, 0x1f, 0x07));
  }

  private CompletableFuture<ScsiResponse> compareAndWrite(ScsiCommand command, Cdb cdb) {
    int flags = flags16(cdb);
    cdb.reservedBytes(10, 12);
    long lba = cdb.u64(2);
    int blocks = cdb.u8(13);
    if (blocks > Geometry.MAX_COMPARE_AND_WRITE_BLOCKS) {
      throw CheckCondition.invalidField(13, -1);
    }
    unit.geometry.checkRange(lba, blocks);
    int half = blocks * unit.geometry.blockSize();
    // The Data-Out buffer is the verify data followed by the write data, nothing more or less
    // (a count of 256 wraps to 0 in this one-byte field and must not pass as a no-op).
    if (DataOut.remaining(command) != 2 * half) {
      throw CheckCondition.invalidField(13, -1);
    }
    unit.checkWritable();
    if (blocks == 0) {
      return Responses.GOOD;
    }
    ByteBuffer both = DataOut.exactly(command, 2L * half, 13);
    ByteBuffer expected = both.slice(0, half);
    ByteBuffer replacement = both.slice(half, half);
    boolean fua = (flags & 0x08) != 0;
    return unit.device.compareAndWrite(unit.geometry.offset(lba), expected, replacement, fua)
        .thenApply(mismatch -> {
          if (mismatch >= 0) {
            throw new CheckCondition(Sense.miscompare(mismatch));
          }
          return ScsiResponse.good();
        });
  }

  private CompletableFuture<ScsiResponse> orWrite(ScsiCommand command, Cdb cdb) {
    TransferCdb t = ReadWriteCommands.decode(unit, cdb);
    unit.checkWritable();
    if (t.blocks() == 0) {
      return Responses.GOOD;
    }
    ByteBuffer mask = DataOut.exactly(command, t.byteLength(unit.geometry.blockSize()), t.lengthField());
    return replaceAtomically(unit.geometry.offset(t.lba()), mask.remaining(), t.fua(), current -> {
      ByteBuffer merged = ByteBuffer.allocate(current.remaining());
      for (int i = 0; i < current.remaining(); i++) {
        merged.put(i, (byte) (current.get(i) | mask.get(mask.position() + i)));
      }
      return merged;
    }, ATTEMPTS);
  }

  /** SBC-4 WRITE ATOMIC(16): up to the whole maximum transfer, no atomic boundary support. */
  private CompletableFuture<ScsiResponse> writeAtomic(ScsiCommand command, Cdb cdb) {
    int flags = flags16(cdb);
    cdb.reserved(1, 0x07);
    if (cdb.u16(10) != 0) {
      throw CheckCondition.invalidField(10, -1);
    }
    long lba = cdb.u64(2);
    int blocks = cdb.u16(12);
    unit.geometry.checkTransferLength(blocks, 12);
    unit.geometry.checkRange(lba, blocks);
    unit.checkWritable();
    if (blocks == 0) {
      return Responses.GOOD;
    }
    ByteBuffer data = DataOut.exactly(command, (long) blocks * unit.geometry.blockSize(), 12);
    boolean fua = (flags & 0x08) != 0;
    return replaceAtomically(unit.geometry.offset(lba), data.remaining(), fua, current -> data, ATTEMPTS);
  }

  /**
   * Byte 1 of a 16-byte CDB, its length and control byte checked; refused when it asks for
   * protection information.
   */
  private static int flags16(Cdb cdb) {
    cdb.requireLength(16);
    cdb.control(15);
    int flags = cdb.u8(1);
    TransferCdb.requireNoProtection(flags);
    return flags;
  }

  /**
   * Reads the range and swaps in {@code update(current)} with compare-and-write, so no other
   * write can land in between; a concurrent write makes it start over.
   */
  private CompletableFuture<ScsiResponse> replaceAtomically(
      long offset, int length, boolean fua, UnaryOperator<ByteBuffer> update, int attempts) {
    ByteBuffer current = ByteBuffer.allocate(length);
    return unit.device.read(offset, current).thenCompose(v -> {
      current.flip();
      ByteBuffer replacement = update.apply(current.duplicate());
      return unit.device.compareAndWrite(offset, current, replacement.duplicate(), fua);
    }).thenCompose(mismatch -> {
      if (mismatch < 0) {
        return Responses.GOOD;
      }
      if (attempts <= 1) {
        // Persistent contention: report the command as aborted so the initiator retries it.
        return Responses.fail(Sense.of(Sense.ABORTED_COMMAND, 0x00, 0x00));
      }
      return replaceAtomically(offset, length, fua, update, attempts - 1);
    });
  }
}
