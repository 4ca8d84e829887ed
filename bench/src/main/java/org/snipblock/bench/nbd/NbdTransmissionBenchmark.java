package org.snipblock.bench.nbd;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
import org.snipblock.block.MemoryBlockDevice;
import org.snipblock.nbd.protocol.Nbd;
import org.snipblock.nbd.transmission.ExportSession;
import org.snipblock.nbd.transmission.RequestDecoder;
import org.snipblock.nbd.transmission.TransmissionHandler;

/**
 * NBD transmission path without a socket: request framing, execution and reply encoding for a
 * burst of {@value #BURST} requests (one iodepth-32 queue's worth) over a RAM disk, so the
 * number is the codec's cost and not a disk's. Score is requests per second; with
 * {@code -prof gc}, {@code gc.alloc.rate.norm} is bytes allocated per request.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g", "-Xms1g"})
public class NbdTransmissionBenchmark {
  static final int BURST = 32;
  private static final long DEVICE_SIZE = 64L << 20;

  /** read or write. */
  @Param({"read", "write"})
  public String command;

  @Param({"4096", "131072"})
  public int length;

  /** Structured replies (what qemu and libnbd negotiate) or simple ones (older clients). */
  @Param({"true", "false"})
  public boolean structured;

  private EmbeddedChannel channel;
  private ByteBuf requests;

  @Setup(Level.Trial)
  public void setUp() {
    MemoryBlockDevice device = new MemoryBlockDevice("bench", DEVICE_SIZE, 512, false);
    // Written data everywhere, so reads are sent as data rather than as holes.
    byte[] fill = new byte[1 << 20];
    java.util.Arrays.fill(fill, (byte) 0x5a);
    for (long at = 0; at < DEVICE_SIZE; at += fill.length) {
      device.write(at, ByteBuffer.wrap(fill), false).join();
    }
    int flags = Nbd.FLAG_HAS_FLAGS | Nbd.FLAG_SEND_FLUSH | Nbd.FLAG_SEND_FUA | Nbd.FLAG_SEND_DF;
    ExportSession session = new ExportSession(device, false, structured, 0, flags,
        32 << 20, 256, 256L << 20, new AtomicBoolean());
    channel = new EmbeddedChannel(new RequestDecoder(32 << 20), new TransmissionHandler(session));
    requests = Unpooled.directBuffer();
    boolean write = command.equals("write");
    int type = write ? Nbd.CMD_WRITE : Nbd.CMD_READ;
    long span = DEVICE_SIZE / length;
    for (int i = 0; i < BURST; i++) {
      long offset = (i * 7919L % span) * length;
      requests.writeInt(Nbd.REQUEST_MAGIC).writeShort(0).writeShort(type).writeLong(i)
          .writeLong(offset).writeInt(length);
      if (write) {
        requests.writeZero(length);
      }
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    channel.finishAndReleaseAll();
    requests.release();
  }

  @Benchmark
  @OperationsPerInvocation(BURST)
  public int burst() {
    channel.writeInbound(requests.retainedDuplicate());
    channel.runPendingTasks();
    int replies = 0;
    Object reply;
    while ((reply = channel.readOutbound()) != null) {
      replies++;
      ReferenceCountUtil.release(reply);
    }
    if (replies != BURST) {
      throw new IllegalStateException("expected " + BURST + " replies, got " + replies);
    }
    return replies;
  }
}
