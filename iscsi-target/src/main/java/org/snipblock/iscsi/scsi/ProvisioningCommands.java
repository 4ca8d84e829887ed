package org.snipblock.iscsi.scsi;

import static org.snipblock.iscsi.scsi.Opcodes.*;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.snipblock.block.Extent;

/** Thin provisioning: UNMAP, WRITE SAME (10/16, with UNMAP and NDOB) and GET LBA STATUS. */
final class ProvisioningCommands {
  /** Pattern writes of WRITE SAME go out in pieces of this size, one after the other. */
  private static final int WRITE_SAME_CHUNK = 1 << 20;
  /** GET LBA STATUS looks at most this far ahead in one command. */
  private static final long LBA_STATUS_WINDOW = 1L << 30;

  private final UnitContext unit;

  ProvisioningCommands(UnitContext unit) {
    this.unit = unit;
  }

  void register(CommandTable t) {
    t.add(CommandSpec.of("UNMAP", Access.WRITE, this::unmap, UNMAP, 0x00, 0, 0, 0, 0, 0x1f, 0xff, 0xff, 0x07));
    t.add(CommandSpec.of("WRITE SAME(10)", Access.WRITE, this::writeSame,
        WRITE_SAME_10, 0xe8, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, 0x07));
    t.add(CommandSpec.of("WRITE SAME(16)", Access.WRITE, this::writeSame,
        WRITE_SAME_16, 0xe9, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x07));
    t.add(CommandSpec.withServiceAction("GET LBA STATUS", SA_GET_LBA_STATUS, Access.READ, this::getLbaStatus,
        SERVICE_ACTION_IN_16, SA_GET_LBA_STATUS, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0, 0x07));
  }

  private CompletableFuture<ScsiResponse> unmap(ScsiCommand command, Cdb cdb) {
    cdb.requireLength(10);
    cdb.control(9);
    // ANCHOR needs ANC_SUP, which we do not claim.
    cdb.reserved(1, 0xff);
    int listLength = cdb.u16(7);
    if (listLength == 0) {
      return Responses.GOOD;
    }
    if (listLength < 8) {
      throw new CheckCondition(Sense.parameterListLengthError());
    }
    byte[] p = DataOut.parameters(command, listLength);
    List<long[]> ranges = UnmapParameters.parse(p, unit.geometry);
    unit.checkWritable();
    CompletableFuture<Void> all = CompletableFuture.completedFuture(null);
    for (long[] r : ranges) {
      if (r[1] > 0) {
        all = all.thenCompose(v -> unit.device.trim(unit.geometry.offset(r[0]), unit.geometry.offset(r[1]), false));
      }
    }
    return all.thenApply(v -> ScsiResponse.good());
  }

  private CompletableFuture<ScsiResponse> writeSame(ScsiCommand command, Cdb cdb) {
    TransferCdb t = TransferCdb.parse(cdb);
    t.requireNoProtection();
    boolean anchor = (t.flags() & 0x10) != 0;
    boolean unmap = (t.flags() & 0x08) != 0;
    boolean ndob = cdb.opcode() == WRITE_SAME_16 && (t.flags() & 0x01) != 0;
    if (anchor) {
      throw CheckCondition.invalidField(1, 4);
    }
    cdb.reserved(1, cdb.opcode() == WRITE_SAME_16 ? 0x06 : 0x07);
    long blocks = t.blocks();
    if (blocks == 0) {
      // WSNZ is 0: zero blocks means "to the end of the medium" (SBC-3 5.42).
      unit.geometry.checkRange(t.lba(), 0);
      blocks = unit.geometry.blocks() - t.lba();
    }
    if (blocks > unit.geometry.maxWriteSameBlocks()) {
      throw CheckCondition.invalidField(t.lengthField(), -1);
    }
    unit.geometry.checkRange(t.lba(), blocks);
    unit.checkWritable();
    int blockSize = unit.geometry.blockSize();
    ByteBuffer pattern = null;
    if (!ndob) {
      // Exactly one logical block of data, no more, no less.
      if (DataOut.remaining(command) != blockSize) {
        throw CheckCondition.invalidField(t.lengthField(), -1);
      }
      pattern = DataOut.exactly(command, blockSize, t.lengthField());
    }
    if (blocks == 0) {
      return Responses.GOOD;
    }
    long offset = unit.geometry.offset(t.lba());
    long length = blocks * blockSize;
    if (unmap) {
      // LBPRZ: unmapped blocks read as zeroes, which is what the initiator asked to be there.
      return unit.device.trim(offset, length, false).thenApply(v -> ScsiResponse.good());
    }
    if (pattern == null || isZero(pattern)) {
      return unit.device.writeZeroes(offset, length, false, false).thenApply(v -> ScsiResponse.good());
    }
    return writePattern(offset, length, pattern).thenApply(v -> ScsiResponse.good());
  }

  private CompletableFuture<Void> writePattern(long offset, long length, ByteBuffer pattern) {
    int blockSize = pattern.remaining();
    int chunkBlocks = (int) Math.max(1, Math.min(length, WRITE_SAME_CHUNK) / blockSize);
    ByteBuffer chunk = ByteBuffer.allocate(chunkBlocks * blockSize);
    for (int i = 0; i < chunkBlocks; i++) {
      chunk.put(pattern.duplicate());
    }
    chunk.flip();
    CompletableFuture<Void> done = CompletableFuture.completedFuture(null);
    for (long at = 0; at < length; at += chunk.capacity()) {
      long pos = offset + at;
      int n = (int) Math.min(chunk.capacity(), length - at);
      done = done.thenCompose(v -> unit.device.write(pos, chunk.duplicate().limit(n), false));
    }
    return done;
  }

  private static boolean isZero(ByteBuffer b) {
    for (int i = b.position(); i < b.limit(); i++) {
      if (b.get(i) != 0) {
        return false;
      }
    }
    return true;
  }

  private CompletableFuture<ScsiResponse> getLbaStatus(ScsiCommand command, Cdb cdb) {
    cdb.requireLength(16);
    cdb.control(15);
    long lba = cdb.u64(2);
    long allocation = cdb.u32(10);
    long blocks = unit.geometry.blocks();
    if (lba < 0 || lba >= blocks) {
      throw new CheckCondition(Sense.lbaOutOfRange());
    }
    int blockSize = unit.geometry.blockSize();
    long offset = unit.geometry.offset(lba);
    long length = Math.min(unit.device.size() - offset, LBA_STATUS_WINDOW);
    int maxDescriptors = (int) Math.max(1, Math.min(1024, (allocation - 8) / 16));
    return unit.device.allocation(offset, length).thenCompose(extents -> {
      List<byte[]> descriptors = new ArrayList<>();
      for (Extent e : extents) {
        if (descriptors.size() >= maxDescriptors) {
          break;
        }
        long first = e.offset() / blockSize;
        long count = e.length() / blockSize;
        while (count > 0 && descriptors.size() < maxDescriptors) {
          long n = Math.min(count, 0xffffffffL);
          byte[] d = new byte[16];
          Bytes.putLong(d, 0, first);
          Bytes.putInt(d, 8, (int) n);
          d[12] = (byte) (e.hole() ? 1 : 0); // 0: mapped, 1: deallocated
          descriptors.add(d);
          first += n;
          count -= n;
        }
      }
      byte[] out = new byte[8 + 16 * descriptors.size()];
      Bytes.putInt(out, 0, out.length - 4);
      for (int i = 0; i < descriptors.size(); i++) {
        System.arraycopy(descriptors.get(i), 0, out, 8 + 16 * i, 16);
      }
      return Responses.data(out, allocation);
    });
  }
}
