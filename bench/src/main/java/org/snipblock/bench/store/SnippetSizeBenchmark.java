package org.snipblock.bench.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * What the snippet size costs in the snippet store, to choose its default.
 *
 * <ul>
 *   <li>{@code labelsOf64GiB}: creating a 64 GiB volume and rebuilding the catalog from its
 *       labels (only the head label and stripe labels are stored, so this no longer grows with
 *       the number of snippets);
 *   <li>{@code moveOneSnippet}: reading one whole written snippet, the unit of relocation and
 *       re-replication (smaller moves finish sooner and hold less in flight);
 *   <li>{@code write4k}: random 4 KiB writes, to show the data path does not depend on it.
 * </ul>
 *
 * Run with JMH's runner on the bench classpath: {@code org.openjdk.jmh.Main SnippetSizeBenchmark}. Results and the choice
 * are recorded at {@link StoreConfig#DEFAULT_SNIPPET_SIZE}.
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgs = {"-Xmx2g"})
@Warmup(iterations = 1, time = 3)
@Measurement(iterations = 3, time = 3)
public class SnippetSizeBenchmark {
  private static final long VOLUME = 64L << 30;
  private static final long DATA = 64L << 20;

  @Param({"262144", "1048576", "4194304", "16777216"})
  public int snippetSize;

  private Path dir;
  private SnippetStore store;
  private BlockDevice data;
  private int created;
  private final ByteBuffer block = ByteBuffer.allocate(4096);

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    dir = Files.createTempDirectory("snippet-bench");
    store = SnippetStore.open(dir, StoreConfig.defaults().withDefaultSnippetSize(snippetSize));
    store.create(VolumeSpec.of("data", DATA));
    data = store.open("data").orElseThrow();
    Prefill.fill(data, DATA, 1);
    new Random(2).nextBytes(block.array());
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    store.close();
    ScratchDirectory.delete(dir);
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public Object labelsOf64GiB() {
    String name = "v" + created++;
    store.create(VolumeSpec.of(name, VOLUME));
    Object report = store.labelIndex().rebuildIndexFromLabels();
    store.delete(name);
    return report;
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public ByteBuffer moveOneSnippet() {
    long snippets = DATA / snippetSize;
    long at = ThreadLocalRandom.current().nextLong(snippets) * snippetSize;
    int len = (int) Math.min(snippetSize, 32L << 20);
    ByteBuffer b = ByteBuffer.allocate(len);
    for (long off = 0; off < snippetSize; off += len) {
      b.clear();
      data.read(at + off, b).join();
    }
    return b;
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  public void write4k() {
    long at = ThreadLocalRandom.current().nextLong(DATA / 4096) * 4096;
    data.write(at, block.duplicate(), false).join();
  }
}
