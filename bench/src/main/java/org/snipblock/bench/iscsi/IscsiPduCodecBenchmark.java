package org.snipblock.bench.iscsi;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.snipblock.iscsi.pdu.ConnectionCodecState;
import org.snipblock.iscsi.pdu.Opcode;
import org.snipblock.iscsi.pdu.Pdu;
import org.snipblock.iscsi.pdu.PduDecoder;
import org.snipblock.iscsi.pdu.PduEncoder;

/**
 * The iSCSI wire codec of a full-feature connection: framing inbound SCSI Command PDUs (with
 * immediate write data when {@code dataLength > 0}) and writing outbound Data-In PDUs of the same
 * data length, with or without CRC32C digests. A burst of {@value #BURST} PDUs per invocation
 * (one iodepth-32 queue). Score is PDUs per second; with {@code -prof gc},
 * {@code gc.alloc.rate.norm} is bytes allocated per PDU.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g", "-Xms1g"})
public class IscsiPduCodecBenchmark {
  static final int BURST = 32;
  private static final int MAX_DATA_SEGMENT = 256 << 10;

  /** Data segment bytes per PDU: 0 is a READ command, 4096 a 4 KiB write, 65536 a burst. */
  @Param({"0", "4096", "65536"})
  public int dataLength;

  /** HeaderDigest and DataDigest both CRC32C (true) or None (false). */
  @Param({"false", "true"})
  public boolean digests;

  private EmbeddedChannel decoding;
  private EmbeddedChannel encoding;
  private ByteBuf commands;
  private Pdu[] dataIn;

  @Setup(Level.Trial)
  public void setUp() {
    ConnectionCodecState inbound = fullFeature();
    ConnectionCodecState outbound = fullFeature();
    decoding = new EmbeddedChannel(new PduDecoder(inbound));
    encoding = new EmbeddedChannel(new PduEncoder(outbound));
    // Frame the command burst with the encoder itself, so the input is what the peer would send.
    EmbeddedChannel framer = new EmbeddedChannel(new PduEncoder(fullFeature()));
    commands = Unpooled.directBuffer();
    dataIn = new Pdu[BURST];
    ByteBuffer payload = ByteBuffer.allocateDirect(dataLength);
    for (int i = 0; i < BURST; i++) {
      framer.writeOutbound(scsiCommand(i, payload.duplicate()));
      ByteBuf framed = framer.readOutbound();
      commands.writeBytes(framed);
      framed.release();
      dataIn[i] = Pdu.of(Opcode.DATA_IN).flags(0x80).initiatorTaskTag(i)
          .data(payload.duplicate());
    }
    framer.finishAndReleaseAll();
  }

  private ConnectionCodecState fullFeature() {
    ConnectionCodecState state = new ConnectionCodecState();
    state.enterFullFeaturePhase(digests, digests, MAX_DATA_SEGMENT);
    return state;
  }

  /** A WRITE(10) of {@code data} as immediate data, or a READ(10) of 4 KiB when it is empty. */
  private static Pdu scsiCommand(int tag, ByteBuffer data) {
    boolean write = data.hasRemaining();
    int length = write ? data.remaining() : 4096;
    Pdu pdu = Pdu.of(Opcode.SCSI_COMMAND).flags(0x80 | (write ? 0x20 : 0x40) | 0x01)
        .lun(0).initiatorTaskTag(tag).intAt(20, length).intAt(24, tag).intAt(28, tag)
        .data(data);
    pdu.byteAt(32, write ? 0x2a : 0x28);
    pdu.intAt(34, tag * 8);
    pdu.shortAt(39, length / 512);
    return pdu;
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    decoding.finishAndReleaseAll();
    encoding.finishAndReleaseAll();
    commands.release();
  }

  @Benchmark
  @OperationsPerInvocation(BURST)
  public void decodeCommands(Blackhole bh) {
    decoding.writeInbound(commands.retainedDuplicate());
    int n = 0;
    Object pdu;
    while ((pdu = decoding.readInbound()) != null) {
      bh.consume(pdu);
      // A decoded PDU holds a slice of the input until released.
      ReferenceCountUtil.release(pdu);
      n++;
    }
    check(n);
  }

  @Benchmark
  @OperationsPerInvocation(BURST)
  public void encodeDataIn(Blackhole bh) {
    for (Pdu pdu : dataIn) {
      encoding.write(pdu);
    }
    encoding.flushOutbound();
    int n = 0;
    Object buf;
    while ((buf = encoding.readOutbound()) != null) {
      bh.consume(buf);
      ReferenceCountUtil.release(buf);
      n++;
    }
    check(n);
  }

  private static void check(int n) {
    if (n != BURST) {
      throw new IllegalStateException("expected " + BURST + " PDUs, got " + n);
    }
  }
}
