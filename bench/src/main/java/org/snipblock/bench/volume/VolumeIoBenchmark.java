package org.snipblock.bench.volume;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
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
import org.snipblock.bench.ScratchDirectory;
import org.snipblock.block.BlockDevice;
import org.snipblock.store.SnippetStore;
import org.snipblock.store.StoreConfig;
import org.snipblock.store.VolumeSpec;

/**
 * A local snippet-store volume through the {@link BlockDevice} seam, as the frontends use it:
 * 4 KiB random reads and writes at queue depth 1 and 32, 128 KiB sequential reads and writes at
 * depth 8, and writes followed by a flush (what makes them durable). With and without
 * compression; the data is half random, half zeroes, so compression has real work and a real
 * gain. Score is I/Os per second; {@code -prof gc} adds bytes allocated per I/O.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 4, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g", "-Xms1g"})
public class VolumeIoBenchmark {
  private static final long VOLUME_SIZE = 256L << 20;
  private static final int SMALL = 4096;
  private static final int LARGE = 128 << 10;
  private static final int DEEP = 32;
  private static final int SEQUENTIAL_DEPTH = 8;

  @Param({"false", "true"})
  public boolean compression;

  private Path dir;
  private SnippetStore store;
  private BlockDevice volume;
  private ByteBuffer smallData;
  private ByteBuffer largeData;
  private final ByteBuffer[] smallReads = new ByteBuffer[DEEP];
  private final ByteBuffer[] largeReads = new ByteBuffer[SEQUENTIAL_DEPTH];
  private final CompletableFuture<?>[] pending = new CompletableFuture<?>[DEEP];
  private final SplittableRandom random = new SplittableRandom(42);
  private long cursor;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = Files.createTempDirectory("snipblock-volume-bench");
    store = SnippetStore.open(dir, StoreConfig.defaults());
    store.create(new VolumeSpec("bench", VOLUME_SIZE, 0, 512, compression));
    volume = store.open("bench").orElseThrow();
    smallData = halfCompressible(SMALL);
    largeData = halfCompressible(LARGE);
    for (int i = 0; i < DEEP; i++) {
      smallReads[i] = ByteBuffer.allocateDirect(SMALL);
    }
    for (int i = 0; i < SEQUENTIAL_DEPTH; i++) {
      largeReads[i] = ByteBuffer.allocateDirect(LARGE);
    }
    // Every block written once, so reads measure stored data and not holes.
    ByteBuffer fill = halfCompressible(1 << 20);
    for (long at = 0; at < VOLUME_SIZE; at += fill.capacity()) {
      volume.write(at, fill.duplicate(), false).join();
    }
    volume.flush().join();
  }

  private ByteBuffer halfCompressible(int length) {
    byte[] b = new byte[length];
    for (int i = 0; i < length / 2; i++) {
      b[i] = (byte) random.nextInt(256);
    }
    return ByteBuffer.wrap(b).asReadOnlyBuffer();
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    volume.close();
    store.close();
    ScratchDirectory.delete(dir);
  }

  private long randomSmallOffset() {
    return random.nextLong(VOLUME_SIZE / SMALL) * SMALL;
  }

  private long nextLargeOffset() {
    long at = cursor;
    cursor = (cursor + LARGE) % VOLUME_SIZE;
    return at;
  }

  private void awaitAll(int n) {
    CompletableFuture.allOf(java.util.Arrays.copyOf(pending, n)).join();
  }

  @Benchmark
  public void randomWrite4kDepth1() {
    volume.write(randomSmallOffset(), smallData.duplicate(), false).join();
  }

  @Benchmark
  @OperationsPerInvocation(DEEP)
  public void randomWrite4kDepth32() {
    for (int i = 0; i < DEEP; i++) {
      pending[i] = volume.write(randomSmallOffset(), smallData.duplicate(), false);
    }
    awaitAll(DEEP);
  }

  @Benchmark
  public void randomRead4kDepth1() {
    volume.read(randomSmallOffset(), smallReads[0].clear()).join();
  }

  @Benchmark
  @OperationsPerInvocation(DEEP)
  public void randomRead4kDepth32() {
    for (int i = 0; i < DEEP; i++) {
      pending[i] = volume.read(randomSmallOffset(), smallReads[i].clear());
    }
    awaitAll(DEEP);
  }

  @Benchmark
  @OperationsPerInvocation(SEQUENTIAL_DEPTH)
  public void sequentialWrite128kDepth8() {
    for (int i = 0; i < SEQUENTIAL_DEPTH; i++) {
      pending[i] = volume.write(nextLargeOffset(), largeData.duplicate(), false);
    }
    awaitAll(SEQUENTIAL_DEPTH);
  }

  @Benchmark
  @OperationsPerInvocation(SEQUENTIAL_DEPTH)
  public void sequentialRead128kDepth8() {
    for (int i = 0; i < SEQUENTIAL_DEPTH; i++) {
      pending[i] = volume.read(nextLargeOffset(), largeReads[i].clear());
    }
    awaitAll(SEQUENTIAL_DEPTH);
  }

  /** A database's commit: one 4 KiB write made durable before the next. */
  @Benchmark
  public void randomWrite4kThenFlush() {
    volume.write(randomSmallOffset(), smallData.duplicate(), false).join();
    volume.flush().join();
  }

  /** A guest's queue of 32 writes followed by one flush, as a file system's journal commit does. */
  @Benchmark
  @OperationsPerInvocation(DEEP)
  public void randomWrite4kDepth32ThenFlush() {
    for (int i = 0; i < DEEP; i++) {
      pending[i] = volume.write(randomSmallOffset(), smallData.duplicate(), false);
    }
    awaitAll(DEEP);
    volume.flush().join();
  }
}
