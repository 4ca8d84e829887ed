package org.snipblock.bench.replication;

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
import org.snipblock.cluster.RedundancyPolicy;
import org.snipblock.cluster.replica.ReplicationMode;
import org.snipblock.cluster.topology.FailureDomain;
import org.snipblock.store.VolumeSpec;

/**
 * The replicated write path on a 3-node loopback cluster: a volume with 1, 2 or 3 copies in
 * distinct compartments, acknowledged synchronously (every copy holds the write) or
 * asynchronously (the local copy holds it; the others follow from the replication log).
 * {@code write4kDepth1} samples single-write latency (compare its p50 across {@code copies}: the
 * targets are sync <= 1.3x and async <= 1.1x of one copy); {@code write4kDepth32} is throughput.
 */
@State(Scope.Thread)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 4, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g", "-Xms1g"})
public class ReplicationPathBenchmark {
  private static final long VOLUME_SIZE = 64L << 20;
  private static final int SMALL = 4096;
  private static final int DEEP = 32;

  @Param({"1", "2", "3"})
  public int copies;

  @Param({"SYNC", "ASYNC"})
  public ReplicationMode mode;

  private Path dir;
  private LoopbackCluster cluster;
  private BlockDevice volume;
  private ByteBuffer data;
  private final SplittableRandom random = new SplittableRandom(7);
  private final CompletableFuture<?>[] pending = new CompletableFuture<?>[DEEP];

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    dir = Files.createTempDirectory("snipblock-replication-bench");
    cluster = LoopbackCluster.start(dir, 3);
    // SYNC waits for every copy; ASYNC needs a majority reachable to serve, as the default does.
    int minCopies = mode == ReplicationMode.SYNC ? copies : copies / 2 + 1;
    cluster.nodes.get(0).volumes().create(new VolumeSpec("bench", VOLUME_SIZE, 0, 512, false),
        new RedundancyPolicy(copies, minCopies, FailureDomain.COMPARTMENT, mode));
    volume = cluster.nodes.get(0).volumes().open("bench").orElseThrow();
    byte[] b = new byte[SMALL];
    random.nextBytes(b);
    data = ByteBuffer.wrap(b).asReadOnlyBuffer();
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    volume.close();
    cluster.close();
    ScratchDirectory.delete(dir);
  }

  private long randomOffset() {
    return random.nextLong(VOLUME_SIZE / SMALL) * SMALL;
  }

  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  public void write4kDepth1() {
    volume.write(randomOffset(), data.duplicate(), false).join();
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @OperationsPerInvocation(DEEP)
  public void write4kDepth32() {
    for (int i = 0; i < DEEP; i++) {
      pending[i] = volume.write(randomOffset(), data.duplicate(), false);
    }
    CompletableFuture.allOf(pending).join();
  }
}
