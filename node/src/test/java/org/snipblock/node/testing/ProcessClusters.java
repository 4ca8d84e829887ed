package org.snipblock.node.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The JUnit lifecycle of a test method's {@link ProcessCluster}: the nodes' data in a temporary
 * directory, their logs under target/cluster-logs/METHOD (kept after the test, to read when it
 * failed, until the method runs again), and every node stopped after the method whether it passed, failed or timed out. A
 * process IT registers one and only says which cluster it wants:
 *
 * <pre>
 * &#64;RegisterExtension final ProcessClusters clusters = new ProcessClusters();
 * ...
 * ProcessCluster cluster = clusters.start(NODE_CONFIG);
 * </pre>
 */
public final class ProcessClusters implements BeforeEachCallback, AfterEachCallback {
  private Path dir;
  private Path logs;
  private ProcessCluster cluster;

  @Override
  public void beforeEach(ExtensionContext context) throws IOException {
    logs = Path.of("target", "cluster-logs", context.getRequiredTestMethod().getName()).toAbsolutePath();
    // The nodes append to their logs (a restarted node goes on in the same file): an earlier run's
    // lines must not be read as this run's (FaultScheduleProcessIT checks the primaries' windows in them).
    if (Files.isDirectory(logs)) {
      deleteTree(logs);
    }
    dir = Files.createTempDirectory("snipblock-cluster-");
  }

  /** Three nodes n1..n3 in compartments c1..c3 of site1, each with this config file; returns once all are UP. */
  public ProcessCluster start(String nodeConfig) throws IOException {
    return started(ProcessCluster.start(unused(), logs, nodeConfig));
  }

  /** {@code count} nodes n1..nN in compartments c1..cN of site1. */
  public ProcessCluster start(String nodeConfig, int count) throws IOException {
    return started(ProcessCluster.start(unused(), logs, nodeConfig, count));
  }

  /** n1..nN at these locations (two sites, say). */
  public ProcessCluster start(String nodeConfig, List<String> locations) throws IOException {
    return started(ProcessCluster.start(unused(), logs, nodeConfig, locations));
  }

  /**
   * The directory of the cluster's config file and of the nodes' data (n1, n2, ...): a file the
   * config names by a relative path (a key) is written here before {@link #start}.
   */
  public Path dir() {
    return dir;
  }

  /** Where this test method's node logs go; files of the test's own clients (fio's output) may go there too. */
  public Path logs() {
    return logs;
  }

  private Path unused() {
    if (cluster != null) {
      throw new IllegalStateException("one cluster per test method: " + logs.getFileName());
    }
    return dir;
  }

  private ProcessCluster started(ProcessCluster c) {
    cluster = c;
    return c;
  }

  @Override
  public void afterEach(ExtensionContext context) {
    try {
      if (cluster != null) {
        cluster.close();
      }
    } finally {
      cluster = null;
      deleteTree(dir);
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete the nodes' data in " + dir, e);
    }
  }
}
