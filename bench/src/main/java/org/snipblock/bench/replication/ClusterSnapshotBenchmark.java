package org.snipblock.bench.replication;

import java.nio.file.Files;
import java.nio.file.Path;
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
import org.snipblock.cluster.ClusterNode;
import org.snipblock.cluster.RedundancyPolicy;
import org.snipblock.cluster.replica.ReplicationMode;
import org.snipblock.cluster.topology.FailureDomain;
import org.snipblock.store.VolumeSpec;

/**
 * What taking a snapshot and creating a clone of a clustered volume cost (three nodes in one JVM,
 * three sync copies), on a 1 GiB and a 1 TiB thin volume with {@link #WRITTEN} bytes written spread
 * over it (issue #11: the same whatever the size). A snapshot is one op of the volume's replication
 * stream, acknowledged by the write quorum; a clone is one metadata commit, after which every
 * holder makes its copy as a local clone. One operation per measured iteration
 * ({@code SingleShotTime}); each clone is deleted between iterations, outside the measurement.
 * Run: {@code bench/jmh.sh ClusterSnapshot}.
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgs = {"-Xmx2g"})
@Warmup(iterations = 2)
@Measurement(iterations = 10)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class ClusterSnapshotBenchmark {
  /** Less than the store benchmark's 1 GiB: each byte is written three times, over loopback. */
  private static final long WRITTEN = 64L << 20;

  @Param({"1073741824", "1099511627776"})
  public long volumeSize;

  private Path dir;
  private LoopbackCluster cluster;
  private ClusterNode primary;
  private int snapshots;
  private int clones;
  private String lastClone;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    dir = Files.createTempDirectory("cluster-snapshot-bench");
    cluster = LoopbackCluster.start(dir, 3, 2 * volumeSize);
    ClusterNode n0 = cluster.nodes.get(0);
    n0.volumes().create(new VolumeSpec("v", volumeSize, 0, 512, false),
        new RedundancyPolicy(3, 2, FailureDomain.COMPARTMENT, ReplicationMode.SYNC));
    String p = n0.volumes().describe("v").orElseThrow().primary();
    primary = cluster.nodes.stream().filter(n -> n.nodeId().equals(p)).findFirst().orElseThrow();
    BlockDevice d = primary.volumes().open("v").orElseThrow();
    Prefill.spread(d, WRITTEN, volumeSize, 1);
    d.close();
    primary.snapshots().take("v", "base").get(60, TimeUnit.SECONDS);
  }

  @TearDown(Level.Iteration)
  public void afterEach() {
    if (lastClone != null) {
      primary.volumes().delete(lastClone);
      lastClone = null;
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    cluster.close();
    ScratchDirectory.delete(dir);
  }

  @Benchmark
  public Object snapshot() throws Exception {
    return primary.snapshots().take("v", "s" + snapshots++).get(60, TimeUnit.SECONDS);
  }

  @Benchmark
  public Object cloneOfSnapshot() {
    lastClone = "c" + clones++;
    return primary.snapshots().cloneOf("v", "base", lastClone, 0);
  }
}
