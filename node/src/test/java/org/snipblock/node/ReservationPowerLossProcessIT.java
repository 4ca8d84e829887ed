package org.snipblock.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snipblock.node.testing.DaemonProcess;
import org.snipblock.node.testing.IscsiPaths;
import org.snipblock.node.testing.Poll;
import org.snipblock.node.testing.ProcessCluster;
import org.snipblock.node.testing.ProcessClusters;

/**
 * APTPL (SPC-4 5.12.4) on three daemons: every node killed at once (the LUs lose power) and started
 * again; a reservation whose last registration had APTPL 0 is gone, one with APTPL 1 is still held
 * and enforced. libiscsi sends the commands (src/test/c/iscsi-paths.c).
 */
class ReservationPowerLossProcessIT {
  private static final Logger log = LoggerFactory.getLogger(ReservationPowerLossProcessIT.class);
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String HOLDER = "iqn.2026-11.org.snipblock.test:holder";
  private static final String OTHER = "iqn.2026-11.org.snipblock.test:other";

  @RegisterExtension final ProcessClusters clusters = new ProcessClusters();
  private ProcessCluster cluster;

  @Test
  // About a minute on an idle machine; the bound leaves room for a loaded one (three JVMs start twice).
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void aWholeClusterRestartDropsReservationsWithoutAptplAndKeepsThoseWithIt() throws Exception {
    IscsiPaths.binary();
    cluster = clusters.start("");
    DaemonProcess n1 = cluster.node("n1");
    for (String name : List.of("ap0", "ap1")) {
      n1.cli("volume", "create", name, "--size", "16M", "--copies", "3", "--mode", "sync");
    }
    assertThat(IscsiPaths.steps(HOLDER, url("n2", "ap0"), "register:a0", "reserve:a0:1"))
        .containsExactly("register:a0 GOOD", "reserve:a0:1 GOOD");
    assertThat(IscsiPaths.steps(HOLDER, url("n2", "ap1"), "register:a1:aptpl", "reserve:a1:1"))
        .containsExactly("register:a1:aptpl GOOD", "reserve:a1:1 GOOD");
    cluster.nodes().forEach(DaemonProcess::kill9);
    // All at once, each on a thread of its own: a node may wait for a majority before it serves.
    ExecutorService starters = Executors.newFixedThreadPool(3);
    try {
      CompletableFuture.allOf(cluster.nodes().stream().map(n -> CompletableFuture.runAsync(n::restart, starters))
          .toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
    } finally {
      starters.shutdownNow();
    }
    Poll.until("three nodes UP again", WAIT, () -> n1.cliIfOk("cluster", "status", "--json")
        .map(ProcessCluster::json).filter(s -> ProcessCluster.upNodes(s) == 3));

    List<String> dropped = Poll.until("ap0's reservation (APTPL 0) dropped", WAIT, () -> Optional.of(
        IscsiPaths.steps(OTHER, url("n3", "ap0"), "readres")).filter(r -> r.get(0).equals("readres GOOD none")));
    log.info("ap0 after the power loss: {}", dropped);
    assertThat(IscsiPaths.steps(OTHER, url("n3", "ap0"), "write:0:b0")).containsExactly("write:0:b0 GOOD");
    List<String> kept = IscsiPaths.steps(OTHER, url("n3", "ap1"), "readres", "write:0:b1");
    log.info("ap1 after the power loss: {}", kept);
    assertThat(kept).containsExactly("readres GOOD key=a1 type=1", "write:0:b1 RESERVATION_CONFLICT");
    assertThat(IscsiPaths.steps(HOLDER, url("n2", "ap1"), "write:0:a1")).containsExactly("write:0:a1 GOOD");
  }

  private String url(String node, String volume) {
    return "iscsi://127.0.0.1:" + cluster.node(node).info().iscsiPort() + "/iqn.2026-11.org.snipblock:" + volume + "/0";
  }
}
