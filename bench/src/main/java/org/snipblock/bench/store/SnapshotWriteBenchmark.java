package org.snipblock.bench.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.snipblock.bench.Prefill;
import org.snipblock.bench.ScratchDirectory;
import org.snipblock.block.BlockDevice;
import org.snipblock.store.SnippetStore;
import org.snipblock.store.StoreConfig;
import org.snipblock.store.VolumeSpec;

/**
 * 4 KiB random writes (depth 1, in-process) over 1 GiB of written data: on a volume without
 * snapshots ({@code none}); right after a snapshot, so nearly every write is the first to its chunk
 * since it ({@code first}: a snapshot is taken before each iteration); and on a volume whose
 * snapshot's data has all been overwritten already ({@code later}). Issue #11 asks for the first
 * write's cost and later writes within 10 % of {@code none}. Run: {@code bench/jmh.sh SnapshotWrite}.
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgs = {"-Xmx2g"})
@Warmup(iterations = 1, time = 3)
@Measurement(iterations = 5, time = 3)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SnapshotWriteBenchmark {
  private static final long DATA = 1L << 30;

  @Param({"none", "first", "later"})
  public String snapshots;

  private Path dir;
  private SnippetStore store;
  private BlockDevice volume;
  private int taken;
  private final ByteBuffer block = ByteBuffer.allocate(4096);

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    dir = Files.createTempDirectory("snapshot-write-bench");
    store = SnippetStore.open(dir, StoreConfig.defaults());
    store.create(VolumeSpec.of("v", DATA));
    volume = store.open("v").orElseThrow();
    fill(1);
    if (snapshots.equals("later")) {
      store.snapshot(List.of("v"), "old");
      fill(2);
    }
    new Random(3).nextBytes(block.array());
  }

  private void fill(long seed) {
    Prefill.fill(volume, DATA, seed);
  }

  @Setup(Level.Iteration)
  public void beforeEach() {
    if (snapshots.equals("first")) {
      store.snapshot(List.of("v"), "s" + taken++);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    volume.close();
    store.close();
    ScratchDirectory.delete(dir);
  }

  @Benchmark
  public void write4k() {
    long at = ThreadLocalRandom.current().nextLong(DATA / 4096) * 4096;
    volume.write(at, block.duplicate(), false).join();
  }
}
