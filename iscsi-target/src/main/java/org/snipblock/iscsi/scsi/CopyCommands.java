package org.snipblock.iscsi.scsi;

import static org.snipblock.iscsi.scsi.Opcodes.*;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.snipblock.iscsi.scsi.ExtendedCopyParameters.CopyList;
import org.snipblock.iscsi.scsi.ExtendedCopyParameters.Segment;

/**
 * EXTENDED COPY (LID1) within this logical unit and RECEIVE COPY RESULTS (SPC-4 6.4, 6.23):
 * the copy offload hypervisors use to clone disks without moving data through the host.
 */
final class CopyCommands {
  private static final int COPY_STATUS = 0x00, OPERATING_PARAMETERS = 0x03;
  /** Segments are copied in pieces of this size, one after the other. */
  private static final int CHUNK = 1 << 20;
  /** Held results per logical unit; the oldest are forgotten first. */
  private static final int HELD_RESULTS = 64;

  private record ResultKey(ItNexus nexus, int listId) {}

  private record Result(int segmentsProcessed, long bytesCopied) {}

  private final UnitContext unit;
  private final VpdPages vpd;
  private final Map<ResultKey, Result> results = new LinkedHashMap<>(16, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<ResultKey, Result> eldest) {
      return size() > HELD_RESULTS;
    }
  };

  CopyCommands(UnitContext unit) {
    this.unit = unit;
    this.vpd = new VpdPages(unit);
  }

  void register(CommandTable t) {
    t.add(CommandSpec.withServiceAction("EXTENDED COPY(LID1)", 0x00, Access.WRITE, this::extendedCopy,
        EXTENDED_COPY, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0x07));
    t.add(CommandSpec.withServiceAction("RECEIVE COPY RESULTS COPY STATUS", COPY_STATUS, Access.READ,
        this::receiveCopyResults, RECEIVE_COPY_RESULTS, COPY_STATUS, 0xff, 0, 0, 0, 0, 0, 0, 0,
        0xff, 0xff, 0xff, 0xff, 0, 0x07));
    t.add(CommandSpec.withServiceAction("RECEIVE COPY RESULTS OPERATING PARAMETERS", OPERATING_PARAMETERS,
        Access.READ, this::receiveCopyResults, RECEIVE_COPY_RESULTS, OPERATING_PARAMETERS, 0, 0, 0, 0, 0,
        0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0x07));
  }

  private CompletableFuture<ScsiResponse> extendedCopy(ScsiCommand command, Cdb cdb) {
    cdb.requireLength(16);
    cdb.control(15);
    cdb.reservedBytes(2, 9);
    long length = cdb.u32(10);
    if (length == 0) {
      return Responses.GOOD;
    }
    if (length > 16 + ExtendedCopyParameters.MAX_DESCRIPTOR_LIST_LENGTH + 4096) {
      throw new CheckCondition(Sense.parameterListLengthError());
    }
    byte[] p = DataOut.parameters(command, (int) length);
    CopyList list = ExtendedCopyParameters.parse(p, ownDesignators(), unit.geometry);
    unit.checkWritable();
    CompletableFuture<Long> copied = CompletableFuture.completedFuture(0L);
    for (Segment s : list.segments()) {
      copied = copied.thenCompose(before -> copySegment(s).thenApply(n -> before + n));
    }
    return copied.thenApply(bytes -> {
      if (list.holdResults()) {
        synchronized (results) {
          results.put(new ResultKey(command.nexus(), list.listId()), new Result(list.segments().size(), bytes));
        }
      }
      return ScsiResponse.good();
    });
  }

  private CompletableFuture<Long> copySegment(Segment s) {
    int blockSize = unit.geometry.blockSize();
    long length = (long) s.blocks() * blockSize;
    CompletableFuture<Void> done = CompletableFuture.completedFuture(null);
    for (long at = 0; at < length; at += CHUNK) {
      long from = unit.geometry.offset(s.sourceLba()) + at;
      long to = unit.geometry.offset(s.destinationLba()) + at;
      int n = (int) Math.min(CHUNK, length - at);
      done = done.thenCompose(v -> {
        ByteBuffer buf = ByteBuffer.allocate(n);
        return unit.device.read(from, buf).thenCompose(r -> unit.device.write(to, buf.flip(), false));
      });
    }
    return done.thenApply(v -> length);
  }

  private byte[] ownDesignators() {
    byte[] page = vpd.page(VpdPages.DEVICE_IDENTIFICATION, null);
    return java.util.Arrays.copyOfRange(page, 4, page.length);
  }

  private CompletableFuture<ScsiResponse> receiveCopyResults(ScsiCommand command, Cdb cdb) {
    cdb.requireLength(16);
    cdb.control(15);
    cdb.reservedBytes(3, 9);
    long allocation = cdb.u32(10);
    if (cdb.serviceAction() == OPERATING_PARAMETERS) {
      return Responses.data(operatingParameters(), allocation);
    }
    Result r;
    synchronized (results) {
      r = results.get(new ResultKey(command.nexus(), cdb.u8(2)));
    }
    if (r == null) {
      throw CheckCondition.invalidField(2, -1); // no held results for that list identifier
    }
    byte[] b = new byte[12];
    Bytes.putInt(b, 0, 8);
    b[4] = 0x01; // completed, without errors
    Bytes.putShort(b, 5, r.segmentsProcessed());
    b[7] = 0x00; // transfer count in bytes
    Bytes.putInt(b, 8, (int) Math.min(r.bytesCopied(), 0xffffffffL));
    return Responses.data(b, allocation);
  }

  private static byte[] operatingParameters() {
    byte[] b = new byte[46];
    Bytes.putInt(b, 0, b.length - 4);
    b[4] = 0x01; // SNLID: list identifiers are supported
    Bytes.putShort(b, 8, ExtendedCopyParameters.MAX_TARGET_DESCRIPTORS);
    Bytes.putShort(b, 10, ExtendedCopyParameters.MAX_SEGMENT_DESCRIPTORS);
    Bytes.putInt(b, 12, ExtendedCopyParameters.MAX_DESCRIPTOR_LIST_LENGTH);
    Bytes.putInt(b, 16, ExtendedCopyParameters.MAX_SEGMENT_LENGTH);
    Bytes.putShort(b, 34, 1); // TOTAL CONCURRENT COPIES
    b[36] = 1; // MAXIMUM CONCURRENT COPIES
    b[37] = 9; // DATA SEGMENT GRANULARITY: 512 bytes (log2)
    b[43] = 2; // implemented descriptor type codes follow
    b[44] = (byte) ExtendedCopyParameters.BLOCK_TO_BLOCK_SEGMENT;
    b[45] = (byte) ExtendedCopyParameters.IDENTIFICATION_TARGET_DESCRIPTOR;
    return b;
  }
}
