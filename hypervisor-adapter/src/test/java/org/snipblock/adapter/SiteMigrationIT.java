package org.snipblock.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.adapter.testing.TestFleet;
import org.snipblock.adapter.testing.TestGuest;
import org.snipblock.node.testing.Poll;
import org.snipblock.node.testing.Tools;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running VM moves into the other site with its storage: four storage nodes, n1 and n2 in two
 * compartments of site a, n3 and n4 in two of site b, a simulated WAN between the sites (5 ms,
 * 1 MiB/s), a host agent in each site. db, a guest writing and verifying blocks on a volume of two
 * copies in distinct compartments, both in site a (on n1, its primary, and n2), is migrated with
 * {@code vm migrate --to-site b}: the primary's copy is built on a node of site b, the other copy
 * moves to the other one, the primary moves into site b, QEMU is live-migrated to h2 (whose QEMU
 * reaches the disk through n3's door); the count goes on without a gap or an error, the volume's two
 * copies are both in site b in distinct compartments, and it verifies. A move back, aborted while the
 * storage follows, is rolled back: the VM keeps running on h2 and its volume is back in site b, as
 * its policy asks. Another move back loses its controller (h1's agent, holding the lease, killed
 * with SIGKILL) while the storage follows (meanwhile every storage node, asked to move the volume
 * back, answers that it is already migrating to site a): the lease moves to h2, whose controller
 * rolls the task back once the storage node's own migration of the volume ended; db runs exactly once (one QEMU,
 * on h2), its volume is back in site b and verifies.
 */
class SiteMigrationIT {
  private static final Duration GUEST = Duration.ofSeconds(120);
  private static final Pattern PROGRESS = Pattern.compile("GUEST: n=(\\d+) t=\\d+ err=(\\d+)");
  private static final String CONFIG = """
      cluster:
        defaults:
          copies: 2
          min-copies: 1
          spread: compartment
        sites:
          simulated-wan: {delay: 5ms, rate: 1M}
      """;

  /** The storage nodes n1..n4, by the order ProcessCluster names them. */
  private static final List<String> NODES = List.of("a/c1/r1/n1", "a/c2/r1/n2", "b/c1/r1/n3", "b/c2/r1/n4");
  private static final String B = "b/c1/r1/n3";

  private static final Logger log = LoggerFactory.getLogger(SiteMigrationIT.class);

  @TempDir Path dir;

  @Test
  @Timeout(value = 8, unit = TimeUnit.MINUTES)
  void aRunningVmMovesIntoTheOtherSiteWithItsStorageAndAnAbortedMoveBackRollsBack() throws Exception {
    TestGuest.Built guest = TestGuest.get();
    Tools.requireQemuIscsi();
    try (TestFleet fleet = TestFleet.startSites(dir, Path.of("target/site-migration-logs"), CONFIG, NODES)) {
      fleet.host("h1", "a/c1/r1/h1", 2, "512M");
      Poll.until("h1 to hold the controller lease", GUEST,
          () -> Optional.of(fleet.cli("host", "list")).filter(l -> l.contains("controller: h1")));
      fleet.host("h2", "b/c1/r1/h2", 2, "512M");
      assertThat(fleet.cli("vm", "create", "db", "--host", "h1", "--kernel", guest.kernel().toString(), "--initrd",
          guest.initrd().toString(), "--append", "console=ttyS0 quiet snipguest=counter", "--memory", "256M",
          "--disk", "16M")).contains("db is running on h1");
      Poll.until("db writing on h1", GUEST, () -> TestGuest.progress(fleet.console("h1", "db")).filter(p -> p[0] >= 128));
      // Created through h1's nearest node: its primary is n1, its other copy the nearest, n2 in site a.
      JsonNode placed = json(fleet.node(B).cli("volume", "show", "db-disk0", "--json"));
      assertThat(placed.get("primary").asText()).isEqualTo("n1");
      assertThat(placed.get("snippetReplicas")).as("both copies in site a: %s", placed.get("snippetReplicas"))
          .allSatisfy(stripe -> assertThat(stripe.toString()).isIn("[\"n1\",\"n2\"]", "[\"n2\",\"n1\"]"));

      assertThat(fleet.cliError("vm", "migrate", "db", "--to-site", "z"))
          .isEqualTo("snipblock: no host in site z (hosts are in a, b)\n");
      assertThat(fleet.cliError("vm", "migrate", "db", "--to-site", "a"))
          .isEqualTo("snipblock: vm db already runs in site a (on h1); use --to-host to move it within the site\n");
      String migrated = fleet.cli("vm", "migrate", "db", "--to-site", "b");
      log.info("vm migrate db --to-site b:\n{}", migrated);
      assertThat(migrated).contains("[done] let h2 in at the storage", "[done] storage of db follows to site b",
          "[done] live-migrate db from h1 to h2", "migrated from h1 in ",
          "[done] shut h1 out of the volumes of db", "db is running on h2")
          .containsPattern("db-disk0: copy moved: snippet \\d+ of db-disk0 from n2 to n[34]")
          .containsPattern("db-disk0: primary n1 -> n[34] at epoch");
      long[] source = TestGuest.progress(fleet.console("h1", "db")).orElseThrow();
      String arrived = Poll.until("db writing on h2", GUEST, () -> Optional.of(fleet.console("h2", "db"))
          .filter(c -> PROGRESS.matcher(c).results().count() >= 2));
      Matcher first = PROGRESS.matcher(arrived);
      assertThat(first.find()).isTrue();
      assertThat(Long.parseLong(first.group(1))).as("first count on h2 after %s on h1", source[0])
          .isEqualTo(source[0] + 64);
      assertThat(source[1]).as("errors before the migration").isZero();
      assertThat(TestGuest.progress(arrived).orElseThrow()[1]).as("errors after the migration").isZero();
      assertThat(arrived).doesNotContain("MISMATCH");
      inSiteBAsItsPolicyAsks(fleet, "the migration");
      assertThat(verify(fleet)).as("after the migration").isTrue();

      // back to site a, aborted while the storage follows: rolled back, db stays on h2 with its primary in b
      CompletableFuture<TestFleet.Result> back = CompletableFuture.supplyAsync(
          () -> fleet.run("vm", "migrate", "db", "--to-site", "a"));
      String task = Poll.until("the move back copying the storage", GUEST, () -> fleet.cli("task", "list").lines()
          .filter(l -> l.contains("migrate-site") && l.contains("running")).map(l -> l.split(" ")[0])
          .filter(id -> fleet.cli("task", "show", id).contains("[running] storage of db follows to site a"))
          .findFirst());
      fleet.cli("task", "abort", task);
      TestFleet.Result aborted = back.get(GUEST.toSeconds(), TimeUnit.SECONDS);
      assertThat(aborted.err()).contains("rolled-back");
      String shown = fleet.cli("task", "show", task);
      log.info("aborted: {}\n{}", aborted.err(), shown);
      assertThat(shown).contains("rolled-back", "[undone] storage of db follows to site a",
          "[undone] let h1 in at the storage");
      assertThat(fleet.cli("vm", "show", "db")).contains("host:      h2", "state:     running");
      inSiteBAsItsPolicyAsks(fleet, "the rollback");
      stillWritingOnH2AndVerified(fleet, "the rollback");

      controllerKilledWhileTheStorageFollows(fleet);
    }
  }

  /** Back to site a again; h1's agent, the controller, is killed with SIGKILL while the storage follows. */
  private void controllerKilledWhileTheStorageFollows(TestFleet fleet) throws Exception {
    CompletableFuture<TestFleet.Result> back = CompletableFuture.supplyAsync(
        () -> fleet.run("vm", "migrate", "db", "--to-site", "a"));
    String task = Poll.until("the second move back copying the storage", GUEST, () -> fleet.cli("task", "list")
        .lines().filter(l -> l.contains("migrate-site") && l.contains("running")).map(l -> l.split(" ")[0])
        .filter(id -> fleet.cli("task", "show", id).contains("[running] storage of db follows to site a"))
        .findFirst());
    JsonNode copying = Poll.until("db-disk0 copying into site a", GUEST, () -> fleet.node(B)
        .cliIfOk("volume", "show", "db-disk0", "--json").map(SiteMigrationIT::json)
        .filter(v -> v.get("moving").toString().matches(".*\"to\":\"n[12]\".*")));
    // What the next controller will ask, of whichever node it reaches: not only the primary, every
    // node says the volume is still on its way to site a (none that it already is in site b).
    String primary = copying.get("primary").asText();
    for (String node : NODES.stream().filter(n -> !n.endsWith("/" + primary)).toList()) {
      assertThat(fleet.node(node).cliError("volume", "migrate", "db-disk0", "--to-site", "b"))
          .as("asked of %s while %s migrates db-disk0", node, primary)
          .isEqualTo("snipblock: volume db-disk0 is already migrating to site a on " + primary
              + "; ask again once that ended\n");
    }
    fleet.hostProcess("h1").kill9();
    Poll.until("the lease on h2", Duration.ofSeconds(60),
        () -> Optional.of(fleet.cli("host", "list")).filter(l -> l.contains("controller: h2")));
    TestFleet.Result lost = back.get(GUEST.toSeconds() * 2, TimeUnit.SECONDS);
    String shown = fleet.cli("task", "show", task);
    log.info("after the controller's loss: {}\n{}", lost.err(), shown);
    assertThat(lost.err()).contains("rolled-back");
    assertThat(shown).contains("rolled-back", "interrupted by a controller change; rolled back by the next controller",
        "[undone] storage of db follows to site a", "[undone] let h1 in at the storage");
    assertThat(fleet.cli("vm", "show", "db")).contains("host:      h2", "state:     running");
    assertThat(qemusOf("db")).as("db runs exactly once").isEqualTo(1);
    inSiteBAsItsPolicyAsks(fleet, "the controller's loss");
    stillWritingOnH2AndVerified(fleet, "the controller's loss");
  }

  /** db's guest goes on writing on h2 without an error or a mismatch, and its volume verifies clean. */
  private static void stillWritingOnH2AndVerified(TestFleet fleet, String after) throws Exception {
    String before = fleet.console("h2", "db");
    long[] still = Poll.until("db still writing on h2", GUEST, () -> TestGuest.progress(
        fleet.console("h2", "db").substring(before.length())));
    assertThat(still[1]).as("errors after %s", after).isZero();
    assertThat(fleet.console("h2", "db")).doesNotContain("MISMATCH");
    assertThat(verify(fleet)).as("after %s", after).isTrue();
  }

  /**
   * db-disk0 as its policy asks, all in site b: the primary there, every stripe two in-sync copies
   * in distinct compartments of site b, nothing stale, unreachable or moving.
   */
  private static void inSiteBAsItsPolicyAsks(TestFleet fleet, String after) {
    // A dropped copy may stay on record a moment, until its node let go of it.
    JsonNode v = Poll.until("db-disk0 settled in site b after " + after + ": every copy there and in sync, nothing "
        + "moving", GUEST, () -> fleet.node(B).cliIfOk("volume", "show", "db-disk0", "--json")
            .map(SiteMigrationIT::json).filter(s -> s.get("stale").isEmpty() && s.get("unreachable").isEmpty()
                && s.get("moving").isEmpty() && !s.get("snippetReplicas").toString().matches(".*\"n[12]\".*")));
    assertThat(v.get("copies").asInt()).isEqualTo(2);
    assertThat(v.get("spread").asText()).isEqualTo("compartment");
    assertThat(locationOf(v.get("primary").asText())).as("the primary after %s", after).startsWith("b/");
    assertThat(v.get("snippetReplicas")).as("the stripes after %s: %s", after, v.get("snippetReplicas")).isNotEmpty()
        .allSatisfy(stripe -> {
          List<String> at = new ArrayList<>();
          stripe.forEach(n -> at.add(locationOf(n.asText())));
          assertThat(at).hasSize(2).allMatch(l -> l.startsWith("b/"));
          assertThat(at.get(0).split("/")[1]).isNotEqualTo(at.get(1).split("/")[1]);
        });
  }

  /** {@code volume verify db-disk0}, asked of its primary: every copy's digests equal the primary's. */
  private static boolean verify(TestFleet fleet) {
    String primary = json(fleet.node(B).cli("volume", "show", "db-disk0", "--json")).get("primary").asText();
    JsonNode verified = json(fleet.node(locationOf(primary)).cli("volume", "verify", "db-disk0", "--json"));
    log.info("volume verify db-disk0: {}", verified);
    return verified.get("clean").asBoolean();
  }

  private static String locationOf(String node) {
    return NODES.get(Integer.parseInt(node.substring(1)) - 1);
  }

  /**
   * QEMU processes of this test running the VM {@code name} (its {@code -name} argument, its files
   * under this test's directory: other tests on the machine may run a VM of the same name).
   */
  private long qemusOf(String name) {
    return ProcessHandle.allProcesses().filter(p -> p.info().arguments().map(List::of)
        .filter(a -> a.indexOf("-name") >= 0 && a.indexOf("-name") + 1 < a.size()
            && a.get(a.indexOf("-name") + 1).equals(name)
            && a.stream().anyMatch(arg -> arg.contains(dir.toString()))).isPresent()).count();
  }

  private static JsonNode json(String text) {
    try {
      return new ObjectMapper().readTree(text);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
