package org.snipblock.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.node.testing.AckedWrites;
import org.snipblock.node.testing.DaemonProcess;
import org.snipblock.node.testing.NbdWriter;
import org.snipblock.node.testing.Nemesis;
import org.snipblock.node.testing.Poll;
import org.snipblock.node.testing.ProcessCluster;
import org.snipblock.node.testing.ProcessClusters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A randomized fault schedule with an external oracle: three daemons (each its own JVM), a sync
 * volume of three copies (min 2), a real NBD client (libnbd) writing one FUA write at a time
 * through a door it picks at random, and a {@link Nemesis} that kills, pauses and hands over
 * meanwhile. Afterwards the cluster heals and the test, outside the daemons, reads the whole volume
 * through every node's door and checks it against every answer the client got
 * ({@link AckedWrites}), and asks {@code volume verify} whether every copy is equal.
 *
 * <p>Replay a run with {@code -Dfaults.seed=SEED} (the seed is logged); {@code -Dfaults.steps=N}
 * sets the number of faults (default 5, about two minutes), so a long run by hand is
 * {@code -Dfaults.steps=200}.
 */
class FaultScheduleProcessIT {
  private static final Logger log = LoggerFactory.getLogger(FaultScheduleProcessIT.class);
  private static final String VOLUME = "chaos";
  private static final int BLOCKS = 2048;
  private static final long MAX_WRITES = 1_000_000;
  private static final int MAX_REFUSALS = 1000;
  /** Writes acknowledged after one fault before the next comes. */
  private static final int PROGRESS = 40;

  @TempDir Path tmp;
  @RegisterExtension final ProcessClusters clusters = new ProcessClusters();
  private ProcessCluster cluster;

  private static final long CI_SEED = 8540820147332980639L;

  @Test
  @Timeout(value = 8, unit = TimeUnit.MINUTES)
  void noAcknowledgedWriteIsLostUnderRandomFaults() throws Exception {
    // CI replays one schedule that once wedged a volume (a submission must not hinge on a new
    // seed's luck); a run by hand draws a new one, which is how new bugs are found.
    long seed = Long.getLong("faults.seed", System.getenv("CI") != null ? CI_SEED : new Random().nextLong());
    int steps = Integer.getInteger("faults.steps", 5);
    int nodes = Integer.getInteger("faults.nodes", 3);
    log.info("fault schedule: seed {} (replay with -Dfaults.seed={}), {} faults, {} nodes", seed, seed, steps, nodes);
    Path logs = clusters.logs();
    cluster = clusters.start("""
        cluster:
          replication:
            failover-delay: 2s
          sites:
            link-faults: true
        """, locations(nodes));
    cluster.node("n1").cli("volume", "create", VOLUME, "--size", (BLOCKS * NbdWriter.BLOCK / 1024) + "K",
        "--copies", "3", "--min-copies", "2", "--mode", "sync");
    Nemesis nemesis = new Nemesis(cluster, VOLUME, seed);
    nemesis.awaitWhole();

    AckedWrites oracle = new AckedWrites(BLOCKS);
    AtomicBoolean stop = new AtomicBoolean();
    CompletableFuture<Void> load;
    try (NbdWriter client = NbdWriter.start(logs.resolve("client.err"))) {
      load = CompletableFuture.runAsync(() -> writeUntil(stop, client, nemesis, oracle, new Random(seed ^ 0x5eed)));
      for (int i = 0; i < steps && !load.isDone(); i++) {
        long before = oracle.acked();
        nemesis.strike();
        // Each fault lands on a running load: the next waits until writes are acknowledged again.
        Poll.until("writes acknowledged after fault " + (i + 1),
            Duration.ofSeconds(60), () -> Optional.of(oracle.acked())
                .filter(n -> n > before + PROGRESS || load.isDone()));
      }
      stop.set(true);
      load.get(3, TimeUnit.MINUTES);
    }
    nemesis.awaitWhole();
    log.info("fault schedule seed {}: {} writes acknowledged, {} failed; faults: {}", seed, oracle.acked(),
        oracle.failed(), nemesis.history());
    assertThat(nemesis.history()).hasSize(steps);
    assertThat(oracle.acked()).as("writes acknowledged").isGreaterThan((long) steps * PROGRESS);

    try (NbdWriter reader = NbdWriter.start(logs.resolve("reader.err"))) {
      for (DaemonProcess door : cluster.nodes()) {
        Path image = tmp.resolve(door.info().nodeId() + ".img");
        assertThat(reader.call("connect " + door.nbdUrl(VOLUME), 60)).as("connect to %s", door.nbdUrl(VOLUME)).isNull();
        assertThat(reader.call("dump " + image, 120)).as("read back through %s", door.info().nodeId()).isNull();
        byte[] bytes = Files.readAllBytes(image);
        assertThat(bytes).hasSize(BLOCKS * NbdWriter.BLOCK);
        assertThat(oracle.violations(bytes, 20)).as("seed %d, read through %s's door; faults %s", seed,
            door.info().nodeId(), nemesis.history()).isEmpty();
      }
    }
    JsonNode shown = ProcessCluster.json(cluster.node("n1").cli("volume", "show", VOLUME, "--json"));
    JsonNode verified = ProcessCluster.json(cluster.node(shown.get("primary").asText())
        .cli("volume", "verify", VOLUME, "--json"));
    assertThat(verified.get("clean").asBoolean()).as("every copy equal (seed %d): %s", seed, verified).isTrue();
    assertThat(verified.get("copies")).hasSize(3);
  }

  /** n1..nN spread over three compartments c1, c2, c3 in turn (as the five nodes), one host each. */
  private static List<String> locations(int nodes) {
    return IntStream.rangeClosed(1, nodes).mapToObj(n -> "site1/c" + ((n - 1) % 3 + 1) + "/r1/h" + n).toList();
  }

  /**
   * The client's loop: one FUA write at a time (1-4 blocks at a random block), each answer recorded;
   * after an error it reconnects through a door that is up. Ends when told, or after MAX_WRITES.
   */
  private static void writeUntil(AtomicBoolean stop, NbdWriter client, Nemesis nemesis, AckedWrites oracle,
      Random random) {
    boolean connected = false;
    int refusals = 0;
    try {
      for (long id = 1; id <= MAX_WRITES && !stop.get(); id++) {
        for (; !connected; refusals++) {
          // A live door refuses only while the fault is being healed; more than this many is a failure.
          assertThat(refusals).as("connection attempts refused").isLessThan(MAX_REFUSALS);
          DaemonProcess door = nemesis.liveNode(random);
          String refused = client.call("connect " + door.nbdUrl(VOLUME), 60);
          connected = refused == null;
          if (!connected) {
            log.info("client: connect to {} failed: {}", door.info().nodeId(), refused);
          }
        }
        int blocks = 1 + random.nextInt(4);
        int first = random.nextInt(BLOCKS - blocks + 1);
        String failed = client.call("write " + first + " " + blocks + " " + id, 120);
        oracle.answered(id, first, blocks, failed == null);
        if (failed != null) {
          log.info("client: write {} failed: {}", id, failed);
          connected = false;
        } else if (id % 64 == 0) {
          connected = client.call("flush", 120) == null;
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
