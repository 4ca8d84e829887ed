package org.snipblock.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snipblock.node.testing.DaemonProcess;
import org.snipblock.node.testing.IscsiPaths;
import org.snipblock.node.testing.Poll;
import org.snipblock.node.testing.ProcessCluster;

/**
 * Multipath across three daemons when the volume's primary is killed (SIGKILL): a persistent
 * reservation taken through one node's door keeps refusing another initiator's writes through a
 * third node's, before and after the failover (and so do an SPC-2 reservation and a changed mode page); and an initiator writing round-robin over two nodes'
 * paths loses the primary's path, goes on through the other, and every acknowledged write is there.
 * The initiator is libiscsi (src/test/c/iscsi-paths.c: no installed tool sends PR OUT).
 */
class MultipathFailoverProcessIT {
  private static final Logger log = LoggerFactory.getLogger(MultipathFailoverProcessIT.class);
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String HOLDER = "iqn.2026-11.org.snipblock.test:holder";
  private static final String OTHER = "iqn.2026-11.org.snipblock.test:other";
  private static final String FAST_FAILOVER = """
      cluster:
        replication:
          failover-delay: 2s
      """;

  @TempDir Path tmp;
  private ProcessCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void aReservationThroughOneNodeHoldsThroughAnotherAndOutlivesThePrimary(TestInfo test) throws Exception {
    IscsiPaths.binary();
    cluster = ProcessCluster.start(tmp, test, FAST_FAILOVER);
    Volume v = create("pr1");
    DaemonProcess a = v.others.get(0);
    DaemonProcess b = v.others.get(1);
    String viaA = url(a, "pr1");
    String viaB = url(b, "pr1");

    // WRITE EXCLUSIVE (type 1) by HOLDER through node A (not the primary).
    assertThat(IscsiPaths.steps(HOLDER, viaA, "register:abc1", "reserve:abc1:1", "write:0:a1"))
        .containsExactly("register:abc1 GOOD", "reserve:abc1:1 GOOD", "write:0:a1 GOOD");
    List<String> before = IscsiPaths.steps(OTHER, viaB, "readres", "write:1:b2", "read:0");
    log.info("through {} before the failover: {}", b.info().nodeId(), before);
    assertThat(before).containsExactly("readres GOOD key=abc1 type=1", "write:1:b2 RESERVATION_CONFLICT", "read:0 GOOD a1");

    failOver(v, a);

    List<String> after = IscsiPaths.steps(OTHER, viaB, "readres", "write:1:b2", "read:0");
    log.info("through {} after the failover: {}", b.info().nodeId(), after);
    assertThat(after).containsExactly("readres GOOD key=abc1 type=1", "write:1:b2 RESERVATION_CONFLICT", "read:0 GOOD a1");
    assertThat(IscsiPaths.steps(OTHER, viaA, "write:1:b2")).containsExactly("write:1:b2 RESERVATION_CONFLICT");
    assertThat(IscsiPaths.steps(HOLDER, viaA, "write:2:a3", "read:2"))
        .as("the holder still writes").containsExactly("write:2:a3 GOOD", "read:2 GOOD a3");

    // Released, the same write through B goes through: it was the reservation that refused it.
    assertThat(IscsiPaths.steps(HOLDER, viaA, "release:abc1:1")).containsExactly("release:abc1:1 GOOD");
    assertThat(IscsiPaths.steps(OTHER, viaB, "write:1:b2", "read:1")).containsExactly("write:1:b2 GOOD", "read:1 GOOD b2");
  }

  /**
   * The SPC-2 reservation and the mode parameters are the LU's too: a RESERVE(6) through node A
   * refuses another initiator everything through node B (RESERVE, write, read), before and after the
   * primary's failover, while the holder's session through A stays; a MODE SELECT through B turning
   * the write cache off is what MODE SENSE reports through A, and after the failover.
   */
  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void anSpc2ReservationAndTheCachingPageThroughOneNodeHoldThroughAnotherAndOutliveThePrimary(TestInfo test)
      throws Exception {
    IscsiPaths.binary();
    cluster = ProcessCluster.start(tmp, test, FAST_FAILOVER);
    Volume v = create("lu1");
    DaemonProcess a = v.others.get(0);
    DaemonProcess b = v.others.get(1);
    String viaA = url(a, "lu1");
    String viaB = url(b, "lu1");
    assertThat(IscsiPaths.steps(OTHER, viaB, "wce", "wce:0", "wce"))
        .containsExactly("wce GOOD wce=1", "wce:0 GOOD", "wce GOOD wce=0");
    assertThat(IscsiPaths.steps(HOLDER, viaA, "wce")).as("through A").containsExactly("wce GOOD wce=0");

    Path out = tmp.resolve("holder.out");
    Process holder = IscsiPaths.holding(HOLDER, viaA, out, "reserve6", "write:0:a1", "hold", "write:2:a3", "read:2",
        "release6");
    try {
      Poll.until("the holder's RESERVE(6) through " + a.info().nodeId(), WAIT,
          () -> Optional.of(read(out)).filter(o -> o.contains("hold WAITING") || !holder.isAlive()));
      assertThat(read(out)).startsWith("reserve6 GOOD\nwrite:0:a1 GOOD\nhold WAITING\n");
      List<String> refused = List.of("reserve6 RESERVATION_CONFLICT", "write:1:b2 RESERVATION_CONFLICT",
          "read:0 RESERVATION_CONFLICT");
      assertThat(IscsiPaths.steps(OTHER, viaB, "reserve6", "write:1:b2", "read:0")).as("through B")
          .containsExactlyElementsOf(refused);

      failOver(v, a);
      assertThat(IscsiPaths.steps(OTHER, viaB, "reserve6", "write:1:b2", "read:0")).as("through B after the failover")
          .containsExactlyElementsOf(refused);

      IscsiPaths.letGo(holder);
      assertThat(holder.waitFor(60, TimeUnit.SECONDS)).as("holder ended:%n%s", read(out)).isTrue();
    } finally {
      holder.destroyForcibly();
    }
    assertThat(read(out).lines().skip(3)).as("the holder, after the failover, through A")
        .containsExactly("hold GOOD", "write:2:a3 GOOD", "read:2 GOOD a3", "release6 GOOD");
    assertThat(IscsiPaths.steps(OTHER, viaB, "write:1:b2", "read:1", "wce"))
        .as("released: B writes; the write cache is still off").containsExactly("write:1:b2 GOOD", "read:1 GOOD b2",
            "wce GOOD wce=0");
  }

  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void roundRobinWritesOverTwoNodesGoOnThroughTheSurvivorWhenThePrimaryDies(TestInfo test) throws Exception {
    IscsiPaths.binary();
    cluster = ProcessCluster.start(tmp, test, FAST_FAILOVER);
    Volume v = create("rr1");
    DaemonProcess survivor = v.others.get(0);
    int writes = 2000;
    long seed = System.nanoTime() % 1000;
    Path out = tmp.resolve("roundrobin.out");
    // Path 1 through the primary's node, path 2 through another: dm-multipath's round-robin over both.
    Process writer = IscsiPaths.roundRobin(HOLDER, url(v.primary, "rr1"), url(survivor, "rr1"), writes, seed, out);
    try {
      Poll.until("500 writes acknowledged over both paths", WAIT, () -> Optional.of(read(out))
          .filter(o -> o.contains("acked 500\n") || !writer.isAlive()));
      assertThat(writer.isAlive()).as("writer still running:%n%s", read(out)).isTrue();
      v.primary.kill9();
      assertThat(writer.waitFor(90, TimeUnit.SECONDS)).as("writer ended:%n%s", read(out)).isTrue();
    } finally {
      writer.destroyForcibly();
    }
    String written = read(out);
    log.info("round-robin writer, primary {} killed after 500 writes:\n{}", v.primaryId, written);
    assertThat(writer.exitValue()).as("writer's exit, output:%n%s", written).isZero();
    assertThat(written).as("path 1 (the killed primary's) dropped, path 2 kept").containsPattern("lost 1 after \\d+")
        .doesNotContain("lost 2").contains("done " + writes);
    int lostAt = Integer.parseInt(written.replaceAll("(?s).*lost 1 after (\\d+).*", "$1"));
    assertThat(lostAt).as("the path was lost after the kill, with writes left to go").isBetween(500, writes - 100);

    String check = IscsiPaths.verify(OTHER, url(survivor, "rr1"), writes, seed).output().strip();
    assertThat(check).isEqualTo("verified " + writes);
    DaemonProcess third = v.others.get(1);
    assertThat(IscsiPaths.verify(OTHER, url(third, "rr1"), writes, seed).output().strip())
        .as("the same through the third node").isEqualTo("verified " + writes);
  }

  private record Volume(String name, String primaryId, DaemonProcess primary, long epoch, List<DaemonProcess> others) {}

  /** Kills the volume's primary (SIGKILL) and waits until {@code via} names a new one. */
  private static void failOver(Volume v, DaemonProcess via) {
    v.primary.kill9();
    JsonNode failedOver = Poll.until("a new primary of " + v.name, WAIT, () -> show(via, v.name)
        .filter(s -> !s.get("primary").asText().equals(v.primaryId) && s.get("epoch").asLong() > v.epoch));
    log.info("{} failed over from {} to {}", v.name, v.primaryId, failedOver.get("primary").asText());
  }

  /** A 3-copy sync volume whose copies are all in sync, and who serves it. */
  private Volume create(String name) {
    DaemonProcess n1 = cluster.node("n1");
    JsonNode created = ProcessCluster.json(n1.cli("volume", "create", name, "--size", "64M", "--copies", "3",
        "--min-copies", "2", "--mode", "sync", "--json"));
    Poll.until("all copies of " + name + " in sync", WAIT, () -> show(n1, name)
        .filter(s -> s.get("stale").isEmpty() && s.get("unreachable").isEmpty()));
    // Every node's doors answer from its own copy of the metadata: a show through each (which catches
    // that copy up) makes sure the paths about to log in know the volume.
    cluster.nodes().forEach(n -> n.cli("volume", "show", name));
    String primaryId = created.get("primary").asText();
    DaemonProcess primary = cluster.node(primaryId);
    return new Volume(name, primaryId, primary, created.get("epoch").asLong(),
        cluster.nodes().stream().filter(n -> n != primary).toList());
  }

  private static String url(DaemonProcess node, String volume) {
    return "iscsi://127.0.0.1:" + node.info().iscsiPort() + "/iqn.2026-11.org.snipblock:" + volume + "/0";
  }

  private static Optional<JsonNode> show(DaemonProcess via, String volume) {
    return via.cliIfOk("volume", "show", volume, "--json").map(ProcessCluster::json);
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
