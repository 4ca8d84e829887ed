package org.snipblock.bench.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
 * What taking a snapshot and creating a clone cost, on a 1 GiB and a 1 TiB thin volume with 1 GiB
 * written (spread over the volume): both should cost the same whatever the size (issue #11).
 * One operation per measured iteration ({@code SingleShotTime}); the clone is deleted between
 * iterations, outside the measurement.
 * Run: {@code bench/jmh.sh SnapshotCreate}.
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgs = {"-Xmx2g"})
@Warmup(iterations = 3)
@Measurement(iterations = 15)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class SnapshotCreateBenchmark {
  private static final long WRITTEN = 1L << 30;

  @Param({"1073741824", "1099511627776"})
  public long volumeSize;

  private Path dir;
  private SnippetStore store;
  private int snapshots;
  private int clones;
  private String lastClone;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    dir = Files.createTempDirectory("snapshot-bench");
    store = SnippetStore.open(dir, StoreConfig.defaults());
    store.create(VolumeSpec.of("v", volumeSize));
    BlockDevice d = store.open("v").orElseThrow();
    Prefill.spread(d, WRITTEN, volumeSize, 1);
    d.close();
    store.snapshot(List.of("v"), "base");
  }

  @TearDown(Level.Iteration)
  public void afterEach() {
    if (lastClone != null) {
      store.delete(lastClone);
      lastClone = null;
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    store.close();
    ScratchDirectory.delete(dir);
  }

  @Benchmark
  public Object snapshot() {
    return store.snapshot(List.of("v"), "s" + snapshots++);
  }

  @Benchmark
  public Object cloneOfSnapshot() {
    lastClone = "c" + clones++;
    return store.cloneVolume("v", "base", lastClone, 0);
  }
}
