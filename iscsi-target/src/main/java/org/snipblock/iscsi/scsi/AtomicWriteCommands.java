package org.snipblock.iscsi.scsi;

import static org.snipblock.iscsi.scsi.Opcodes.*;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * COMPARE AND WRITE (hypervisors' disk lock, VMware ATS) and ORWRITE(16): both read-modify-write
 * a range atomically, through {@code BlockDevice.compareAndWrite}.
 */
final class AtomicWriteCommands {
  /** ORWRITE retries when a concurrent write changed the range between its read and its swap. */
  private static final int ORWRITE_ATTEMPTS = 16;

  private final UnitContext unit;

  AtomicWriteCommands(UnitContext unit) {
    this.unit = unit;
  }

  void register(CommandTable t) {
    t.add(CommandSpec.of("COMPARE AND WRITE", Access.WRITE, this::compareAndWrite,
        COMPARE_AND_WRITE, 0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0xff, 0x1f, 0x07));
    t.add(CommandSpec.of("ORWRITE(16)", Access.WRITE, this::orWrite,
        ORWRITE_16, 0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x07));
  }

  private CompletableFuture<ScsiResponse> compareAndWrite(ScsiCommand command, Cdb cdb) {
    cdb.requireLength(16);
    cdb.control(15);
    int flags = cdb.u8(1);
    if ((flags & 0xe0) != 0) {
      throw CheckCondition.invalidField(1, 7);
    }
    cdb.reservedBytes(10, 12);
    long lba = cdb.u64(2);
    int blocks = cdb.u8(13);
    if (blocks > Geometry.MAX_COMPARE_AND_WRITE_BLOCKS) {
      throw CheckCondition.invalidField(13, -1);
    }
    unit.geometry.checkRange(lba, blocks);
    unit.checkWritable();
    if (blocks == 0) {
      return Responses.GOOD;
    }
    int half = blocks * unit.geometry.blockSize();
    // The Data-Out buffer is the verify data followed by the write data, nothing more or less.
    if (DataOut.remaining(command) != 2 * half) {
      throw CheckCondition.invalidField(13, -1);
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
    int length = (int) t.byteLength(unit.geometry.blockSize());
    ByteBuffer mask = DataOut.exactly(command, length, t.lengthField());
    return orWriteAttempt(unit.geometry.offset(t.lba()), mask, t.fua(), ORWRITE_ATTEMPTS);
  }

  private CompletableFuture<ScsiResponse> orWriteAttempt(long offset, ByteBuffer mask, boolean fua, int attempts) {
    ByteBuffer current = ByteBuffer.allocate(mask.remaining());
    return unit.device.read(offset, current).thenCompose(v -> {
      current.flip();
      ByteBuffer merged = ByteBuffer.allocate(current.remaining());
      for (int i = 0; i < current.remaining(); i++) {
        merged.put(i, (byte) (current.get(i) | mask.get(mask.position() + i)));
      }
      return unit.device.compareAndWrite(offset, current, merged, fua);
    }).thenCompose(mismatch -> {
      if (mismatch < 0) {
        return Responses.GOOD;
      }
      if (attempts <= 1) {
        // Persistent contention: report it as the command being aborted so the initiator retries.
        return Responses.fail(Sense.of(Sense.ABORTED_COMMAND, 0x00, 0x00));
      }
      return orWriteAttempt(offset, mask, fua, attempts - 1);
    });
  }
}
