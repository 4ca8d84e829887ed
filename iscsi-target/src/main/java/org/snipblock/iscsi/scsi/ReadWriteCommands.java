package org.snipblock.iscsi.scsi;

import static org.snipblock.iscsi.scsi.Opcodes.*;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/** READ, WRITE, WRITE AND VERIFY (6/10/12/16), PRE-FETCH and SYNCHRONIZE CACHE. */
final class ReadWriteCommands {
  private final UnitContext unit;

  ReadWriteCommands(UnitContext unit) {
    this.unit = unit;
  }

  void register(CommandTable t) {
    t.add(CommandSpec.of("READ(6)", Access.READ, this::read, READ_6, 0x1f, 0xff, 0xff, 0xff, 0x07));
    t.add(CommandSpec.of("READ(10)", Access.READ, this::read,
        READ_10, 0xf8, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, 0x07));
    t.add(CommandSpec.of("READ(12)", Access.READ, this::read,
        READ_12, 0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x07));
    t.add(CommandSpec.of("READ(16)", Access.READ, this::read,
        READ_16, 0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x07));
    t.add(CommandSpec.of("WRITE(6)", Access.WRITE, this::write, WRITE_6, 0x1f, 0xff, 0xff, 0xff, 0x07));
    t.add(CommandSpec.of("WRITE(10)", Access.WRITE, this::write,
        WRITE_10, 0xf8, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, 0x07));
    t.add(CommandSpec.of("WRITE(12)", Access.WRITE, this::write,
        WRITE_12, 0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x07));
    t.add(CommandSpec.of("WRITE(16)", Access.WRITE, this::write,
        WRITE_16, 0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x07));
    t.add(CommandSpec.of("WRITE AND VERIFY(10)", Access.WRITE, this::writeAndVerify,
        WRITE_AND_VERIFY_10, 0xf6, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, 0x07));
    t.add(CommandSpec.of("WRITE AND VERIFY(12)", Access.WRITE, this::writeAndVerify,
        WRITE_AND_VERIFY_12, 0xf6, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x07));
    t.add(CommandSpec.of("WRITE AND VERIFY(16)", Access.WRITE, this::writeAndVerify,
        WRITE_AND_VERIFY_16, 0xf6, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x07));
    t.add(CommandSpec.of("PRE-FETCH(10)", Access.READ, this::preFetch,
        PRE_FETCH_10, 0x02, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, 0x07));
    t.add(CommandSpec.of("PRE-FETCH(16)", Access.READ, this::preFetch,
        PRE_FETCH_16, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x07));
    t.add(CommandSpec.of("SYNCHRONIZE CACHE(10)", Access.WRITE, this::synchronizeCache,
        SYNCHRONIZE_CACHE_10, 0x02, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, 0x07));
    t.add(CommandSpec.of("SYNCHRONIZE CACHE(16)", Access.WRITE, this::synchronizeCache,
        SYNCHRONIZE_CACHE_16, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x07));
  }

  /** Parses and range-checks a media-access CDB; shared with the other block command families. */
  static TransferCdb decode(UnitContext unit, Cdb cdb) {
    TransferCdb t = TransferCdb.parse(cdb);
    t.requireNoProtection();
    unit.geometry.checkTransferLength(t.blocks(), t.lengthField());
    unit.geometry.checkRange(t.lba(), t.blocks());
    return t;
  }

  private CompletableFuture<ScsiResponse> read(ScsiCommand command, Cdb cdb) {
    TransferCdb t = decode(unit, cdb);
    if (t.blocks() == 0) {
      return Responses.GOOD;
    }
    ByteBuffer buf = command.dataInMemory().take((int) t.byteLength(unit.geometry.blockSize()));
    return unit.device.read(unit.geometry.offset(t.lba()), buf)
        .thenApply(v -> ScsiResponse.good(buf.flip()));
  }

  private CompletableFuture<ScsiResponse> write(ScsiCommand command, Cdb cdb) {
    TransferCdb t = decode(unit, cdb);
    return writeBlocks(command, t, t.fua());
  }

  /** The device verifies its own checksums on every read; forcing the write through is the verify. */
  private CompletableFuture<ScsiResponse> writeAndVerify(ScsiCommand command, Cdb cdb) {
    TransferCdb t = decode(unit, cdb);
    if ((t.flags() & 0x04) != 0) { // BYTCHK 1xb is reserved for WRITE AND VERIFY
      throw CheckCondition.invalidField(1, 2);
    }
    return writeBlocks(command, t, true);
  }

  private CompletableFuture<ScsiResponse> writeBlocks(ScsiCommand command, TransferCdb t, boolean fua) {
    unit.checkWritable();
    if (t.blocks() == 0) {
      return Responses.GOOD;
    }
    // When the initiator's expected transfer length is shorter than its CDB, write the whole
    // blocks it did send (the transport reports the overflow residual), as LIO and tgt do.
    int blockSize = unit.geometry.blockSize();
    long received = DataOut.remaining(command) / blockSize * blockSize;
    long length = Math.min(t.byteLength(blockSize), received);
    if (length == 0) {
      return Responses.GOOD;
    }
    ByteBuffer data = DataOut.exactly(command, length, t.lengthField());
    return unit.device.write(unit.geometry.offset(t.lba()), data, fua).thenApply(v -> ScsiResponse.good());
  }

  /** There is no cache to fill ahead of time; validating the range is all PRE-FETCH can mean here. */
  private CompletableFuture<ScsiResponse> preFetch(ScsiCommand command, Cdb cdb) {
    decodeCacheRange(cdb);
    return Responses.GOOD;
  }

  private CompletableFuture<ScsiResponse> synchronizeCache(ScsiCommand command, Cdb cdb) {
    decodeCacheRange(cdb);
    return unit.device.flush().thenApply(v -> ScsiResponse.good());
  }

  private void decodeCacheRange(Cdb cdb) {
    TransferCdb t = TransferCdb.parse(cdb);
    cdb.reserved(1, 0xf9); // IMMED honoured (we are always immediate enough); SYNC_NV obsolete
    unit.geometry.checkRange(t.lba(), t.blocks());
  }
}
