package org.snipblock.adapter.control;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.snipblock.adapter.Inventory;
import org.snipblock.adapter.agent.HostConfig;
import org.snipblock.adapter.model.HostRecord;
import org.snipblock.adapter.model.TaskRecord;
import org.snipblock.adapter.model.VmRecord;
import org.snipblock.adapter.model.VmSpec;
import org.snipblock.node.testing.DaemonProcess;
import org.snipblock.node.testing.Poll;
import org.snipblock.node.testing.ProcessCluster;
import org.snipblock.node.testing.ProcessClusters;
import org.snipblock.node.testing.Tools;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code vm migrate --to-site}'s storage step outlives the storage primary it asked. Four storage
 * daemons, n1 and n2 in two compartments of site a, n3 and n4 in two of site b, a simulated WAN
 * between the sites (1 MiB/s); db-disk0, two copies in distinct compartments, both in site a (n1
 * its primary, n2), 8 MiB written. The records of a VM db on h1 (site a) and of its migrate-site
 * task to h2 (site b); the task's step "storage of db follows to site b" runs as a controller runs
 * it, against the four nodes' admin APIs. While the volume's copies are being built in site b, n1 is
 * killed with SIGKILL: the step does not fail (the node it asked is gone, the next one answers that
 * the volume is already migrating to site b on n1, then on the volume's next primary, which took the
 * migration over); it ends once the volume's primary is in site b, every copy there, the data as written. No QEMU: the
 * VM's own part of the move does not take part in this.
 */
class SiteMovePrimaryLossIT {
  private static final Logger log = LoggerFactory.getLogger(SiteMovePrimaryLossIT.class);
  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final String CONFIG = """
      cluster:
        defaults:
          copies: 2
          min-copies: 1
          spread: compartment
        sites:
          simulated-wan: {delay: 5ms, rate: 1M}
      """;
  private static final List<String> NODES = List.of("a/c1/r1/n1", "a/c2/r1/n2", "b/c1/r1/n3", "b/c2/r1/n4");
  private static final String TASK = "t-site-move";

  @RegisterExtension final ProcessClusters clusters = new ProcessClusters();

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void theStorageFollowsIntoTheSiteThoughItsPrimaryIsKilledMidWay() throws Exception {
    Tools.require("qemu-io");
    ProcessCluster cluster = clusters.start(CONFIG, NODES);
    DaemonProcess n1 = cluster.node("n1");
    n1.cli("volume", "create", "db-disk0", "--size", "16M");
    JsonNode placed = show(n1);
    assertThat(placed.get("primary").asText()).isEqualTo("n1");
    assertThat(placed.get("snippetReplicas")).as("both copies in site a: %s", placed.get("snippetReplicas"))
        .allSatisfy(stripe -> assertThat(stripe.toString()).isIn("[\"n1\",\"n2\"]", "[\"n2\",\"n1\"]"));
    // What the copies into site b carry across the WAN: seconds of copying to lose the primary in.
    Tools.run(120, "qemu-io", "-f", "raw", "-c", "write -P 0x5c 0 8M", "-c", "flush", n1.nbdUrl("db-disk0")).ok();

    try (Inventory inventory = new Inventory(cluster.nodes().stream().map(n -> n.info().adminAddress()).toList())) {
      Step follow = followStep(inventory);
      AtomicBoolean leaseHeld = new AtomicBoolean(true);
      ExecutorService controller = Executors.newSingleThreadExecutor();
      try {
        Future<?> following = controller.submit(() -> follow.apply(new TaskContext(inventory, TASK, leaseHeld::get)));
        Poll.until("db-disk0 copying into site b", WAIT, () -> show(cluster.node("n2"), "moving")
            .filter(moving -> moving.toString().matches(".*\"to\":\"n[34]\".*")));
        n1.kill9();
        following.get(WAIT.toSeconds() * 2, TimeUnit.SECONDS);
      } finally {
        leaseHeld.set(false);   // a step still waiting after a failure stops at its next check
        controller.shutdownNow();
      }
      List<String> notes = inventory.tasks.get(TASK).orElseThrow().value().log();
      log.info("the task's notes:\n{}", String.join("\n", notes));
      String waiting = "db-disk0: waiting, asking again every 3 s: volume db-disk0 is already migrating to site b on ";
      // The first answers may still name n1, or already the next primary: the failover and the
      // takeover race the metadata catch-up of the node asked. The takeover's copying outlasts a few asks.
      assertThat(notes).as("what the task showed while it waited")
          .anyMatch(n -> n.matches(java.util.regex.Pattern.quote(waiting) + "n[234]; ask again once that ended"))
          .endsWith("db-disk0: primary already in site b");
    }

    DaemonProcess n3 = cluster.node("n3");
    JsonNode settled = Poll.until("db-disk0 settled in site b: every copy there, nothing moving", WAIT,
        () -> n3.cliIfOk("volume", "show", "db-disk0", "--json").map(ProcessCluster::json)
            .filter(v -> v.get("moving").isEmpty() && !v.get("snippetReplicas").toString().matches(".*\"n[12]\".*")));
    assertThat(settled.get("primary").asText()).isIn("n3", "n4");
    assertThat(settled.get("snippetReplicas")).isNotEmpty()
        .allSatisfy(stripe -> assertThat(stripe.toString()).isIn("[\"n3\",\"n4\"]", "[\"n4\",\"n3\"]"));
    assertThat(Tools.run(60, "qemu-io", "-f", "raw", "-c", "read -P 0x5c 0 8M", n3.nbdUrl("db-disk0")).ok().output())
        .as("what was written before the migration, read in site b").doesNotContain("Pattern verification failed");
  }

  /**
   * The records a controller's migrate-site task of db from h1 to h2 reads (hosts, the VM, the task,
   * as {@code vm migrate} leaves them once the target was let in) and the task's storage step.
   */
  private static Step followStep(Inventory inventory) {
    long now = System.currentTimeMillis();
    for (String[] host : new String[][] {{"h1", "a/c1/r1/h1"}, {"h2", "b/c1/r1/h2"}}) {
      inventory.hosts.create(host[0], new HostRecord(host[0], host[1], 2, 512L << 20, HostConfig.initiatorOf(host[0]),
          now, null, null));
    }
    VmSpec spec = new VmSpec(1, 256L << 20, List.of(), "a", null, 0, null, false, null, null, null, null, null, false);
    inventory.vms.create("db", new VmRecord("db", spec, "h1", List.of("db-disk0"), VmRecord.RUNNING, VmRecord.RUNNING,
        null, 0, TASK, now, null));
    TaskRecord task = new TaskRecord(TASK, Tasks.MIGRATE_SITE, "db", null, "h2", TaskRecord.RUNNING, List.of(),
        List.of(), null, false, now, now);
    inventory.tasks.create(TASK, task);
    return new SiteMove(inventory, new VmSteps(inventory), task).steps().stream()
        .filter(s -> s.name().equals("storage of db follows to site b")).findFirst().orElseThrow();
  }

  private static JsonNode show(DaemonProcess node) {
    return ProcessCluster.json(node.cli("volume", "show", "db-disk0", "--json"));
  }

  /** A field of db-disk0 as {@code node} shows it; empty while the node cannot answer. */
  private static java.util.Optional<JsonNode> show(DaemonProcess node, String field) {
    return node.cliIfOk("volume", "show", "db-disk0", "--json").map(ProcessCluster::json).map(v -> v.get(field));
  }
}
