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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.node.testing.AckedWrites;
import org.snipblock.node.testing.DaemonProcess;
import org.snipblock.node.testing.DoorWriter;
import org.snipblock.node.testing.EpochWindows;
import org.snipblock.node.testing.IscsiWriter;
import org.snipblock.node.testing.NbdWriter;
import org.snipblock.node.testing.Nemesis;
import org.snipblock.node.testing.Poll;
import org.snipblock.node.testing.ProcessCluster;
import org.snipblock.node.testing.ProcessClusters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A randomized fault schedule with an external oracle: three daemons (each its own JVM; five or
 * more with {@code -Dfaults.nodes=5}, spread over three compartments), a sync volume of three
 * copies (min 2) written by two real clients at once, libnbd on its lower half and qemu-io (libiscsi)
 * on its upper half, and an async volume of two copies (min 1) written by a third (libnbd); each
 * client sends one FUA write at a time through a door it picks at random. Meanwhile a
 * {@link Nemesis} kills, pauses, hands over, partitions and slows links. Afterwards the cluster heals
 * and the test, outside the daemons, reads both volumes through every node's door and checks them
 * against every answer the clients got ({@link AckedWrites}: on the sync volume nothing acknowledged
 * is lost; on the async one at most a tail of {@code max-lag} per fault), checks from the nodes'
 * logs that no two primaries' acknowledge windows overlapped ({@link EpochWindows}), and asks
 * {@code volume verify} whether every copy is equal.
 *
 * <p>Replay a run with {@code -Dfaults.seed=SEED} (the seed is logged); {@code -Dfaults.steps=N}
 * sets the number of faults (default 5, one of each kind, about two and a half minutes);
 * {@code -Dfaults.minutes=M} strikes until M minutes have passed, the long run by hand of
 * {@code bench/faults-long.sh}, which also lifts the 8-minute timeout.
 */
class FaultScheduleProcessIT {
  private static final Logger log = LoggerFactory.getLogger(FaultScheduleProcessIT.class);
  private static final String VOLUME = "chaos";
  private static final String ASYNC_VOLUME = "chaos-async";
  /** The async volume's max-lag (cluster.replication.max-lag): small, so a failover's lost tail is checked against it. */
  private static final long MAX_LAG = 256 << 10;
  private static final int BLOCKS = 2048;
  private static final long MAX_WRITES = 1_000_000;
  private static final int MAX_REFUSALS = 1000;
  /** Writes acknowledged after one fault before the next comes. */
  private static final int PROGRESS = 40;
  /** The bound on a run by time ({@code faults.minutes}): far above what an hour holds (about 120). */
  private static final int MAX_FAULTS = 10_000;

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
    // A long run by hand goes on striking until this many minutes have passed (and at least steps faults).
    Duration runFor = Duration.ofMinutes(Integer.getInteger("faults.minutes", 0));
    int nodes = Integer.getInteger("faults.nodes", 3);
    log.info("fault schedule: seed {} (replay with -Dfaults.seed={}), {} faults{}, {} nodes", seed, seed, steps,
        runFor.isZero() ? "" : " or " + runFor.toMinutes() + " minutes", nodes);
    long started = System.nanoTime();
    Path logs = clusters.logs();
    cluster = clusters.start("""
        cluster:
          replication:
            failover-delay: 2s
            max-lag: %dK
          sites:
            link-faults: true
        """.formatted(MAX_LAG / 1024), locations(nodes));
    String size = (BLOCKS * NbdWriter.BLOCK / 1024) + "K";
    cluster.node("n1").cli("volume", "create", VOLUME, "--size", size, "--copies", "3", "--min-copies", "2",
        "--mode", "sync");
    cluster.node("n1").cli("volume", "create", ASYNC_VOLUME, "--size", size, "--copies", "2", "--min-copies", "1",
        "--mode", "async");
    Nemesis nemesis = new Nemesis(cluster, VOLUME, List.of(ASYNC_VOLUME), seed);
    nemesis.awaitWhole();

    AckedWrites oracle = new AckedWrites(BLOCKS);
    AckedWrites asyncOracle = new AckedWrites(BLOCKS);
    AtomicLong syncIds = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService clients = Executors.newFixedThreadPool(3);
    List<Long> perClient = new java.util.ArrayList<>();
    // The sync volume's lower half through NBD (libnbd), its upper half through iSCSI (qemu-io, libiscsi).
    try (NbdWriter nbd = NbdWriter.start(logs.resolve("client.err"));
        IscsiWriter iscsi = new IscsiWriter(tmp.resolve("iscsi-write.bin"));
        NbdWriter asyncNbd = NbdWriter.start(logs.resolve("async-client.err"))) {
      List<CompletableFuture<Long>> loads = List.of(
          CompletableFuture.supplyAsync(() -> writeUntil(stop, nbd, VOLUME, new Blocks(0, BLOCKS / 2), syncIds,
              nemesis, oracle, new Random(seed ^ 0x5eed)), clients),
          CompletableFuture.supplyAsync(() -> writeUntil(stop, iscsi, VOLUME, new Blocks(BLOCKS / 2, BLOCKS / 2),
              syncIds, nemesis, oracle, new Random(seed ^ 0x15c5)), clients),
          CompletableFuture.supplyAsync(() -> writeUntil(stop, asyncNbd, ASYNC_VOLUME, new Blocks(0, BLOCKS),
              new AtomicLong(), nemesis, asyncOracle, new Random(seed ^ 0xa5)), clients));
      for (int i = 0; i < MAX_FAULTS && (i < steps || System.nanoTime() - started < runFor.toNanos())
          && loads.stream().noneMatch(CompletableFuture::isDone); i++) {
        long before = oracle.acked();
        long asyncBefore = asyncOracle.acked();
        nemesis.strike();
        // Each fault lands on a running load: the next waits until writes are acknowledged again.
        Poll.until("writes acknowledged after fault " + (i + 1), Duration.ofSeconds(60), () -> Optional.of(true)
            .filter(x -> (oracle.acked() > before + PROGRESS && asyncOracle.acked() > asyncBefore + PROGRESS)
                || loads.stream().anyMatch(CompletableFuture::isDone)));
      }
      stop.set(true);
      for (CompletableFuture<Long> load : loads) {
        perClient.add(load.get(3, TimeUnit.MINUTES));
      }
    } finally {
      clients.shutdownNow();
    }
    nemesis.awaitWhole();
    int faults = nemesis.history().size();
    log.info("fault schedule seed {}: {} faults in {} s; sync {} writes acknowledged ({} through NBD, {} through "
        + "iSCSI), {} failed; async {} acknowledged, {} failed; faults: {}", seed, faults,
        Duration.ofNanos(System.nanoTime() - started).toSeconds(), oracle.acked(), perClient.get(0), perClient.get(1),
        oracle.failed(), asyncOracle.acked(), asyncOracle.failed(), nemesis.history());
    // Every client, the iSCSI one too, kept writing through the schedule: none sat out the faults.
    assertThat(perClient).as("writes acknowledged per client (NBD, iSCSI, async NBD)")
        .allMatch(n -> n > PROGRESS);
    assertThat(faults).isGreaterThanOrEqualTo(steps);
    assertThat(oracle.acked()).as("writes acknowledged").isGreaterThan((long) faults * PROGRESS);
    assertThat(asyncOracle.acked()).as("async writes acknowledged").isGreaterThan((long) faults * PROGRESS);

    try (NbdWriter reader = NbdWriter.start(logs.resolve("reader.err"))) {
      for (DaemonProcess door : cluster.nodes()) {
        String at = "seed " + seed + ", read through " + door.info().nodeId() + "'s door; faults " + nemesis.history();
        assertThat(oracle.violations(readBack(reader, door, VOLUME), 20)).as(at).isEmpty();
        // Each fault failed the primary over at most once, and each failover may lose one tail.
        assertThat(asyncOracle.asyncViolations(readBack(reader, door, ASYNC_VOLUME), MAX_LAG, faults, 20))
            .as("async volume, %s", at).isEmpty();
      }
    }
    // No two nodes acknowledged under overlapping epochs: every primary logs its acknowledge windows.
    EpochWindows windows = EpochWindows.fromLogs(logs, cluster.nodes().stream().map(n -> n.info().nodeId()).toList());
    log.info("fault schedule seed {}: acknowledge windows of {}: {}; of {}: {}", seed, VOLUME, windows.describe(VOLUME),
        ASYNC_VOLUME, windows.describe(ASYNC_VOLUME));
    assertThat(windows.violations(20)).as("epochs of seed %d; faults %s", seed, nemesis.history()).isEmpty();
    assertThat(windows.of(VOLUME)).as("acknowledge windows of %s", VOLUME).isNotEmpty();
    assertThat(windows.of(ASYNC_VOLUME)).as("acknowledge windows of %s", ASYNC_VOLUME).isNotEmpty();
    // Asked strictly: a refused verify fails with the CLI's error and the node's log.
    JsonNode shown = ProcessCluster.json(cluster.node("n1").cli("volume", "show", VOLUME, "--json"));
    JsonNode verified = ProcessCluster.json(cluster.node(shown.get("primary").asText())
        .cli("volume", "verify", VOLUME, "--json"));
    assertThat(verified.get("clean").asBoolean()).as("every copy equal (seed %d): %s", seed, verified).isTrue();
    // One entry per node holding copies: three or more (with more nodes, snippets spread over them).
    assertThat(verified.get("copies")).hasSizeGreaterThanOrEqualTo(3);
    // The async replica catches up on its own once the writes stop.
    JsonNode asyncVerified = Poll.until("every copy of " + ASYNC_VOLUME + " equal (seed " + seed + ")",
        Duration.ofSeconds(60), () -> verify(ASYNC_VOLUME).filter(v -> v.get("clean").asBoolean()));
    assertThat(asyncVerified.get("copies")).hasSizeGreaterThanOrEqualTo(2);
  }

  /** The whole volume read through {@code door} (libnbd). */
  private byte[] readBack(NbdWriter reader, DaemonProcess door, String volume) throws IOException {
    Path image = tmp.resolve(door.info().nodeId() + "-" + volume + ".img");
    assertThat(reader.call("connect " + door.nbdUrl(volume), 60)).as("connect to %s", door.nbdUrl(volume)).isNull();
    assertThat(reader.call("dump " + image, 120)).as("read back through %s", door.info().nodeId()).isNull();
    byte[] bytes = Files.readAllBytes(image);
    assertThat(bytes).hasSize(BLOCKS * NbdWriter.BLOCK);
    return bytes;
  }

  /** {@code volume verify} asked of the volume's primary; empty if either command failed. */
  private Optional<JsonNode> verify(String volume) {
    return cluster.node("n1").cliIfOk("volume", "show", volume, "--json").map(ProcessCluster::json)
        .flatMap(shown -> cluster.node(shown.get("primary").asText()).cliIfOk("volume", "verify", volume, "--json"))
        .map(ProcessCluster::json);
  }

  /** n1..nN spread over three compartments c1, c2, c3 in turn (as the five nodes), one host each. */
  private static List<String> locations(int nodes) {
    return IntStream.rangeClosed(1, nodes).mapToObj(n -> "site1/c" + ((n - 1) % 3 + 1) + "/r1/h" + n).toList();
  }

  /**
   * A client's loop: one FUA write at a time (1-4 blocks at a random block of {@code blocks}, ids from
   * {@code ids}), each answer recorded; after an error it reconnects through a door that is up.
   * Ends when told, or after MAX_WRITES; returns how many of its writes were acknowledged.
   */
  private static long writeUntil(AtomicBoolean stop, DoorWriter client, String volume, Blocks blocks, AtomicLong ids,
      Nemesis nemesis, AckedWrites oracle, Random random) {
    boolean connected = false;
    int refusals = 0;
    long acked = 0;
    try {
      for (long n = 1; n <= MAX_WRITES && !stop.get(); n++) {
        for (; !connected; refusals++) {
          // A live door refuses only while the fault is being healed; more than this many is a failure.
          assertThat(refusals).as("connection attempts refused").isLessThan(MAX_REFUSALS);
          DaemonProcess door = nemesis.liveNode(random);
          String refused = client.connect(door, volume);
          connected = refused == null;
          if (!connected) {
            log.info("{} client of {}: connect to {} failed: {}", client.protocol(), volume, door.info().nodeId(),
                refused);
          }
        }
        long id = ids.incrementAndGet();
        int count = 1 + random.nextInt(4);
        int first = blocks.first() + random.nextInt(blocks.count() - count + 1);
        long sent = System.nanoTime();
        String failed = client.write(first, count, id);
        slow(client, volume, "write " + id, sent);
        oracle.answered(id, first, count, failed == null);
        acked += failed == null ? 1 : 0;
        if (failed != null) {
          log.info("{} client of {}: write {} failed: {}", client.protocol(), volume, id, failed);
          connected = false;
        } else if (n % 64 == 0) {
          long flushed = System.nanoTime();
          connected = client.flush() == null;
          slow(client, volume, "flush", flushed);
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    log.info("{} client of {} stopped: {} writes acknowledged", client.protocol(), volume, acked);
    return acked;
  }

  /** Logs an answer that took over 10 s: a client stuck in one request is what a fault may cause. */
  private static void slow(DoorWriter client, String volume, String what, long sentNanos) {
    long millis = (System.nanoTime() - sentNanos) / 1_000_000;
    if (millis > 10_000) {
      log.info("{} client of {}: {} answered after {} ms", client.protocol(), volume, what, millis);
    }
  }

  /** The blocks one client writes: two clients of one volume write disjoint ones, so each knows the last write of each. */
  private record Blocks(int first, int count) {}
}
