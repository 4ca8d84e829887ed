package org.snipblock.nbd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.snipblock.nbd.WireWriter.request;
import static org.snipblock.nbd.WireWriter.write;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.block.BlockDeviceException.Kind;
import org.snipblock.block.MemoryBlockDevice;
import org.snipblock.nbd.WireReader.Reply;
import org.snipblock.nbd.protocol.Nbd;
import org.snipblock.nbd.protocol.NbdErrno;
import org.snipblock.nbd.transmission.ExportSession;
import org.snipblock.nbd.transmission.RequestDecoder;
import org.snipblock.nbd.transmission.TransmissionHandler;

/** Every command and the malformed requests, through the decoder and handler on an EmbeddedChannel. */
class TransmissionTest {
  private static final long SIZE = 1 << 20;
  private static final int MAX = 64 * 1024;

  private final AtomicBoolean closing = new AtomicBoolean();
  private EmbeddedChannel ch;
  private WireReader in;

  private void open(BlockDevice device, boolean readOnly, boolean structured, int maxRequests) {
    int flags = Nbd.FLAG_HAS_FLAGS | (structured ? Nbd.FLAG_SEND_DF : 0);
    ExportSession session = new ExportSession(device, readOnly, structured, structured ? 1 : 0,
        flags, MAX, maxRequests, 4L * MAX, closing);
    ch = new EmbeddedChannel(new RequestDecoder(MAX), new TransmissionHandler(session));
    in = new WireReader(ch);
  }

  private MemoryBlockDevice open(boolean structured) {
    MemoryBlockDevice d = new MemoryBlockDevice("vol", SIZE, 512, false);
    open(d, false, structured, 16);
    return d;
  }

  private static byte[] filled(int n, int value) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) value);
    return b;
  }

  private static byte[] contents(BlockDevice d, long offset, int n) {
    ByteBuffer b = ByteBuffer.allocate(n);
    d.read(offset, b).join();
    return b.array();
  }

  private int simpleError(ByteBuf request) {
    ch.writeInbound(request);
    return in.simpleReply(0).error();
  }

  @Test
  void writeThenReadWithSimpleReplies() {
    MemoryBlockDevice d = open(false);
    ch.writeInbound(write(Nbd.CMD_FLAG_FUA, 1, 4096, filled(1024, 0x42)));
    Reply w = in.simpleReply(0);
    assertThat(w.cookie()).isEqualTo(1);
    assertThat(w.error()).isZero();
    ch.writeInbound(request(0, Nbd.CMD_READ, 2, 4096, 1024));
    Reply r = in.simpleReply(1024);
    assertThat(r.cookie()).isEqualTo(2);
    assertThat(r.payload()).isEqualTo(filled(1024, 0x42));
    assertThat(contents(d, 4096, 1024)).isEqualTo(filled(1024, 0x42));
  }

  @Test
  void flushTrimZeroesAndCacheSucceed() {
    MemoryBlockDevice d = open(false);
    ch.writeInbound(write(0, 1, 0, filled(8192, 0x11)));
    in.simpleReply(0);
    assertThat(simpleError(request(0, Nbd.CMD_FLUSH, 2, 0, 0))).isZero();
    assertThat(simpleError(request(Nbd.CMD_FLAG_FUA, Nbd.CMD_TRIM, 3, 0, 4096))).isZero();
    assertThat(simpleError(request(Nbd.CMD_FLAG_NO_HOLE | Nbd.CMD_FLAG_FAST_ZERO,
        Nbd.CMD_WRITE_ZEROES, 4, 4096, 4096))).isZero();
    assertThat(simpleError(request(0, Nbd.CMD_CACHE, 5, 0, 8192))).isZero();
    assertThat(contents(d, 0, 8192)).isEqualTo(new byte[8192]);
    List<org.snipblock.block.Extent> map = d.allocation(0, 8192).join();
    assertThat(map.get(0).hole()).isTrue();   // trimmed
    assertThat(map.get(1).hole()).isFalse();  // zeroed with NO_HOLE stays allocated
  }

  @Test
  void structuredReadSendsHolesAndData() {
    MemoryBlockDevice d = open(true);
    int run = TransmissionHandler.SPARSE_READ_MIN / 2; // three runs: long enough to look for holes
    d.write(2L * run, ByteBuffer.wrap(filled(run, 0x77)), false).join();
    ch.writeInbound(request(0, Nbd.CMD_READ, 9, run, 3 * run));
    List<Reply> chunks = in.structuredReply();
    assertThat(chunks).extracting(Reply::type).containsExactly(
        Nbd.REPLY_TYPE_OFFSET_HOLE, Nbd.REPLY_TYPE_OFFSET_DATA, Nbd.REPLY_TYPE_OFFSET_HOLE);
    ByteBuf hole = chunks.get(0).body();
    assertThat(hole.readLong()).isEqualTo(run);
    assertThat(hole.readInt()).isEqualTo(run);
    ByteBuf data = chunks.get(1).body();
    assertThat(data.readLong()).isEqualTo(2L * run);
    assertThat(ByteBufUtilBytes.of(data)).isEqualTo(filled(run, 0x77));
    assertThat(chunks.get(2).done()).isTrue();
    assertThat(chunks).allMatch(c -> c.cookie() == 9);
  }

  @Test
  void smallStructuredReadOfAHoleIsOneDataChunkOfZeroes() {
    open(true);
    ch.writeInbound(request(0, Nbd.CMD_READ, 10, 4096, 4096));
    List<Reply> chunks = in.structuredReply();
    assertThat(chunks).extracting(Reply::type).containsExactly(Nbd.REPLY_TYPE_OFFSET_DATA);
    ByteBuf data = chunks.get(0).body();
    assertThat(data.readLong()).isEqualTo(4096);
    assertThat(ByteBufUtilBytes.of(data)).isEqualTo(new byte[4096]);
    assertThat(chunks.get(0).done()).isTrue();
  }

  @Test
  void dontFragmentSendsOneDataChunk() {
    MemoryBlockDevice d = open(true);
    d.write(8192, ByteBuffer.wrap(filled(4096, 0x77)), false).join();
    ch.writeInbound(request(Nbd.CMD_FLAG_DF, Nbd.CMD_READ, 9, 4096, 12288));
    List<Reply> chunks = in.structuredReply();
    assertThat(chunks).hasSize(1);
    assertThat(chunks.get(0).type()).isEqualTo(Nbd.REPLY_TYPE_OFFSET_DATA);
    assertThat(chunks.get(0).payload()).hasSize(8 + 12288);
  }

  @Test
  void structuredErrorsAreErrorChunks() {
    open(true);
    ch.writeInbound(request(0, Nbd.CMD_READ, 3, 100, 512)); // unaligned
    Reply r = in.reply();
    assertThat(r.type()).isEqualTo(Nbd.REPLY_TYPE_ERROR);
    assertThat(r.done()).isTrue();
    assertThat(r.chunkError()).isEqualTo(NbdErrno.EINVAL);
  }

  @Test
  void blockStatusDescribesHolesAndData() {
    MemoryBlockDevice d = open(true);
    d.write(4096, ByteBuffer.wrap(filled(4096, 1)), false).join();
    ch.writeInbound(request(0, Nbd.CMD_BLOCK_STATUS, 4, 512, 16384));
    Reply r = in.reply();
    assertThat(r.type()).isEqualTo(Nbd.REPLY_TYPE_BLOCK_STATUS);
    ByteBuf b = r.body();
    assertThat(b.readInt()).isEqualTo(1);
    assertThat(new long[] {b.readInt(), b.readInt(), b.readInt(), b.readInt(), b.readInt(), b.readInt()})
        .containsExactly(3584, 3, 4096, 0, 8704, 3);
    ch.writeInbound(request(Nbd.CMD_FLAG_REQ_ONE, Nbd.CMD_BLOCK_STATUS, 5, 0, 65536));
    assertThat(in.reply().payload()).hasSize(12);
  }

  @Test
  void blockStatusAnswersEachSelectedContextOnceInOneReply() {
    TrackedDevice d = new TrackedDevice("vol", SIZE, Map.of("s1", List.of(
        org.snipblock.block.Extent.data(4096, 4096), org.snipblock.block.Extent.data(16384, 8192))));
    int flags = Nbd.FLAG_HAS_FLAGS | Nbd.FLAG_SEND_DF;
    ExportSession session = new ExportSession(d, false, true, 2,
        List.of(new ExportSession.ChangedContext(1, "s1"), new ExportSession.ChangedContext(3, "gone")),
        flags, MAX, 16, 4L * MAX, closing);
    ch = new EmbeddedChannel(new RequestDecoder(MAX), new TransmissionHandler(session));
    in = new WireReader(ch);
    // "gone" stands for a snapshot deleted after the client selected its context.
    ch.writeInbound(request(0, Nbd.CMD_BLOCK_STATUS, 1, 0, 32768));
    assertThat(in.reply().chunkError()).isEqualTo(NbdErrno.EINVAL);

    session = new ExportSession(d, false, true, 2, List.of(new ExportSession.ChangedContext(1, "s1")),
        flags, MAX, 16, 4L * MAX, closing);
    ch = new EmbeddedChannel(new RequestDecoder(MAX), new TransmissionHandler(session));
    in = new WireReader(ch);
    ch.writeInbound(request(0, Nbd.CMD_BLOCK_STATUS, 2, 2048, 20480));
    List<Reply> chunks = in.structuredReply();
    assertThat(chunks).hasSize(2);
    ByteBuf base = chunks.get(0).body();
    assertThat(base.readInt()).isEqualTo(2);
    assertThat(new long[] {base.readInt(), base.readInt()}).containsExactly(20480, 3);
    ByteBuf changed = chunks.get(1).body();
    assertThat(changed.readInt()).isEqualTo(1);
    // Clipped to the request: clean, dirty, clean, dirty up to the request's end.
    long[] runs = new long[8];
    for (int i = 0; i < runs.length; i++) {
      runs[i] = changed.readInt();
    }
    assertThat(runs).containsExactly(2048, 0, 4096, 1, 8192, 0, 6144, 1);
    assertThat(changed.isReadable()).isFalse();

    ch.writeInbound(request(Nbd.CMD_FLAG_REQ_ONE, Nbd.CMD_BLOCK_STATUS, 3, 8192, 4096));
    chunks = in.structuredReply();
    ByteBuf one = chunks.get(1).body();
    assertThat(new long[] {one.readInt(), one.readInt(), one.readInt()}).containsExactly(1, 4096, 0);
    assertThat(one.isReadable()).isFalse();
  }

  @Test
  void blockStatusWithoutContextIsEinval() {
    open(false);
    assertThat(simpleError(request(0, Nbd.CMD_BLOCK_STATUS, 1, 0, 4096))).isEqualTo(NbdErrno.EINVAL);
  }

  @Test
  void malformedRequestsGetTheProtocolsErrorsAndWriteNothing() {
    MemoryBlockDevice d = open(false);
    assertThat(simpleError(request(0, 42, 1, 0, 512))).isEqualTo(NbdErrno.EINVAL);                // unknown
    assertThat(simpleError(request(Nbd.CMD_FLAG_DF, Nbd.CMD_READ, 2, 0, 512))).isEqualTo(NbdErrno.EINVAL); // DF not offered
    assertThat(simpleError(request(Nbd.CMD_FLAG_REQ_ONE, Nbd.CMD_TRIM, 3, 0, 512))).isEqualTo(NbdErrno.EINVAL);
    assertThat(simpleError(write(Nbd.CMD_FLAG_NO_HOLE, 4, 0, filled(512, 9)))).isEqualTo(NbdErrno.EINVAL);
    assertThat(simpleError(request(0, Nbd.CMD_READ, 5, SIZE, 512))).isEqualTo(NbdErrno.EINVAL);
    assertThat(simpleError(request(0, Nbd.CMD_READ, 6, -512, 512))).isEqualTo(NbdErrno.EINVAL);
    assertThat(simpleError(write(0, 7, SIZE - 512, filled(1024, 9)))).isEqualTo(NbdErrno.ENOSPC);
    assertThat(simpleError(request(0, Nbd.CMD_WRITE_ZEROES, 8, SIZE, 512))).isEqualTo(NbdErrno.ENOSPC);
    assertThat(simpleError(request(0, Nbd.CMD_READ, 9, 0, MAX + 512))).isEqualTo(NbdErrno.EOVERFLOW);
    assertThat(simpleError(request(0, Nbd.CMD_READ, 10, 0, 0))).isEqualTo(NbdErrno.EINVAL);
    assertThat(simpleError(request(0, Nbd.CMD_FLUSH, 11, 512, 0))).isEqualTo(NbdErrno.EINVAL);
    assertThat(simpleError(write(0, 12, 7, filled(512, 9)))).isEqualTo(NbdErrno.EINVAL);         // unaligned
    assertThat(simpleError(request(0, Nbd.CMD_READ, 13, 0, 100))).isEqualTo(NbdErrno.EINVAL);
    assertThat(d.allocation(0, SIZE).join()).hasSize(1); // still one hole: nothing written
    assertThat(ch.isOpen()).isTrue();
  }

  @Test
  void oversizeWriteIsSkippedUnbufferedThenRefused() {
    MemoryBlockDevice d = open(false);
    int length = 3 * MAX;
    ch.writeInbound(request(0, Nbd.CMD_WRITE, 1, 0, length));
    for (int i = 0; i < 3; i++) {
      ch.writeInbound(Unpooled.wrappedBuffer(filled(MAX, 0x66)));
    }
    assertThat(in.simpleReply(0).error()).isEqualTo(NbdErrno.EOVERFLOW);
    assertThat(d.allocation(0, SIZE).join()).hasSize(1);
    // The stream is still in step.
    ch.writeInbound(request(0, Nbd.CMD_READ, 2, 0, 512));
    assertThat(in.simpleReply(512).cookie()).isEqualTo(2);
  }

  @Test
  void badMagicClosesWithoutWriting() {
    MemoryBlockDevice d = open(false);
    ByteBuf bad = write(0, 1, 0, filled(512, 1));
    bad.setInt(0, 0xdeadbeef);
    ch.writeInbound(bad);
    assertThat(ch.isOpen()).isFalse();
    assertThat(d.allocation(0, SIZE).join()).hasSize(1);
  }

  @Test
  void readOnlyExportRefusesWritesWithEperm() {
    MemoryBlockDevice d = new MemoryBlockDevice("vol", SIZE, 512, false);
    open(d, true, false, 16);
    assertThat(simpleError(write(0, 1, 0, filled(512, 1)))).isEqualTo(NbdErrno.EPERM);
    assertThat(simpleError(request(0, Nbd.CMD_TRIM, 2, 0, 512))).isEqualTo(NbdErrno.EPERM);
    assertThat(simpleError(request(0, Nbd.CMD_WRITE_ZEROES, 3, 0, 512))).isEqualTo(NbdErrno.EPERM);
    assertThat(d.allocation(0, SIZE).join()).hasSize(1);
  }

  @Test
  void repliesGoOutAsRequestsCompleteNotInArrivalOrder() {
    GatedDevice d = new GatedDevice(SIZE);
    open(d, false, false, 16);
    ch.writeInbound(request(0, Nbd.CMD_READ, 1, 0, 512));
    ch.writeInbound(request(0, Nbd.CMD_READ, 2, 4096, 512));
    ch.writeInbound(write(0, 3, 8192, filled(512, 3)));
    assertThat(in.available()).isZero();
    d.open(8192);
    assertThat(in.simpleReply(0).cookie()).isEqualTo(3);
    d.open(4096);
    assertThat(in.simpleReply(512).cookie()).isEqualTo(2);
    d.open(0);
    assertThat(in.simpleReply(512).cookie()).isEqualTo(1);
  }

  @Test
  void connectionStopsReadingAtItsInFlightLimit() {
    GatedDevice d = new GatedDevice(SIZE);
    open(d, false, false, 2);
    ch.writeInbound(request(0, Nbd.CMD_READ, 1, 0, 512));
    assertThat(ch.config().isAutoRead()).isTrue();
    ch.writeInbound(request(0, Nbd.CMD_READ, 2, 4096, 512));
    assertThat(ch.config().isAutoRead()).isFalse();
    // A third that was already in the socket buffer waits; it does not reach the device yet.
    ch.writeInbound(request(0, Nbd.CMD_READ, 3, 8192, 512));
    d.open(8192);
    assertThat(in.available()).isZero();
    d.open(0);
    assertThat(in.simpleReply(512).cookie()).isEqualTo(1);
    assertThat(in.simpleReply(512).cookie()).isEqualTo(3);
    d.open(4096);
    assertThat(in.simpleReply(512).cookie()).isEqualTo(2);
    assertThat(ch.config().isAutoRead()).isTrue();
  }

  @Test
  void connectionStopsReadingAtItsByteLimit() {
    GatedDevice d = new GatedDevice(SIZE);
    open(d, false, false, 100);
    for (int i = 0; i < 4; i++) {
      ch.writeInbound(request(0, Nbd.CMD_READ, i, (long) i * MAX, MAX)); // 4 x MAX = the limit
    }
    assertThat(ch.config().isAutoRead()).isFalse();
    d.open(0);
    in.simpleReply(MAX);
    assertThat(ch.config().isAutoRead()).isTrue();
  }

  @Test
  void deviceFailuresMapToErrnos() {
    GatedDevice d = new GatedDevice(SIZE);
    open(d, false, true, 16);
    d.fail(0, new BlockDeviceException(Kind.NO_SPACE, "full"));
    ch.writeInbound(write(0, 1, 0, filled(512, 1)));
    Reply r = in.reply();
    assertThat(r.chunkError()).isEqualTo(NbdErrno.ENOSPC);
    assertThat(new String(r.payload(), 6, 4)).isEqualTo("full");
    d.prefill(4096, filled(512, 2)); // data, so the read must go to the device (holes need no read)
    d.fail(4096, new BlockDeviceException(Kind.MEDIUM_ERROR, "bad crc"));
    ch.writeInbound(request(0, Nbd.CMD_READ, 2, 4096, 512));
    assertThat(in.reply().chunkError()).isEqualTo(NbdErrno.EIO);
    d.fail(8192, new BlockDeviceException(Kind.NOT_PRIMARY, "fenced"));
    ch.writeInbound(write(0, 3, 8192, filled(512, 1)));
    assertThat(in.reply().chunkError()).isEqualTo(NbdErrno.ESHUTDOWN);
  }

  @Test
  void errnoMapping() {
    assertThat(NbdErrno.of(new BlockDeviceException(Kind.OUT_OF_RANGE, ""))).isEqualTo(NbdErrno.EINVAL);
    assertThat(NbdErrno.of(new BlockDeviceException(Kind.INVALID, ""))).isEqualTo(NbdErrno.EINVAL);
    assertThat(NbdErrno.of(new BlockDeviceException(Kind.READ_ONLY, ""))).isEqualTo(NbdErrno.EPERM);
    assertThat(NbdErrno.of(new BlockDeviceException(Kind.UNAVAILABLE, ""))).isEqualTo(NbdErrno.ESHUTDOWN);
    assertThat(NbdErrno.of(new BlockDeviceException(Kind.IO_ERROR, ""))).isEqualTo(NbdErrno.EIO);
    assertThat(NbdErrno.of(new java.util.concurrent.CompletionException(
        new BlockDeviceException(Kind.NO_SPACE, "")))).isEqualTo(NbdErrno.ENOSPC);
    assertThat(NbdErrno.of(new IllegalStateException())).isEqualTo(NbdErrno.EIO);
  }

  @Test
  void disconnectWaitsForInFlightThenCloses() {
    GatedDevice d = new GatedDevice(SIZE);
    open(d, false, false, 16);
    ch.writeInbound(write(0, 1, 0, filled(512, 1)));
    ch.writeInbound(request(0, Nbd.CMD_DISC, 2, 0, 0));
    assertThat(ch.isOpen()).isTrue();
    d.open(0);
    assertThat(in.simpleReply(0).cookie()).isEqualTo(1);
    ch.runPendingTasks();
    assertThat(ch.isOpen()).isFalse();
  }

  @Test
  void shuttingDownRefusesNewRequestsWithEshutdown() {
    open(false);
    closing.set(true);
    assertThat(simpleError(request(0, Nbd.CMD_READ, 1, 0, 512))).isEqualTo(NbdErrno.ESHUTDOWN);
  }

  /** Bytes left in a buffer. */
  static final class ByteBufUtilBytes {
    static byte[] of(ByteBuf b) {
      byte[] out = new byte[b.readableBytes()];
      b.readBytes(out);
      return out;
    }
  }
}
