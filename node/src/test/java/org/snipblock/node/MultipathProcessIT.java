package org.snipblock.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snipblock.iscsi.LibiscsiConformance;
import org.snipblock.node.testing.DaemonProcess;
import org.snipblock.node.testing.Poll;
import org.snipblock.node.testing.ProcessCluster;
import org.snipblock.node.testing.ProcessClusters;
import org.snipblock.node.testing.Tools;

/**
 * iSCSI multipath across three daemons, seen by libiscsi's own tools: SendTargets on any node
 * lists the volume with every node's portal (each its own portal group), standard INQUIRY reports
 * implicit ALUA through every door, and libiscsi's multipath and reservation suites pass with the
 * LU's paths on different nodes.
 */
class MultipathProcessIT {
  private static final Logger log = LoggerFactory.getLogger(MultipathProcessIT.class);
  private static final String TARGET = "iqn.2026-11.org.snipblock:mp1";
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Pattern LISTED = Pattern.compile("Target:(\\S+) Portal:(\\S+),(\\d+)");

  @RegisterExtension final ProcessClusters clusters = new ProcessClusters();
  private ProcessCluster cluster;

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void everyNodeListsEveryPortalAndNamesItsOwnPortGroup() throws Exception {
    Tools.require("iscsi-ls", "iscsi-inq");
    cluster = clusters.start("");
    cluster.node("n1").cli("volume", "create", "mp1", "--size", "16M", "--copies", "3", "--mode", "sync");
    Map<String, Integer> tagOfPortal = new LinkedHashMap<>();
    for (DaemonProcess n : cluster.nodes()) {
      String own = "127.0.0.1:" + n.info().iscsiPort();
      String output = Poll.until(n.info().nodeId() + " listing three portals of mp1", WAIT, () ->
          Optional.of(Tools.run(30, "iscsi-ls", "iscsi://" + own).output()).filter(o -> listed(o).size() == 3));
      log.info("iscsi-ls iscsi://{} ({}):\n{}", own, n.info().nodeId(), output);
      List<String[]> portals = listed(output);
      // (The order on the wire, this node's portal first, is LoginNegotiationTest's and DoorPathsTest's
      // to check: iscsi-ls does not print the portals in the order it received them.)
      assertThat(portals).extracting(p -> p[0]).as("its own portal among them").contains(own);
      for (String[] p : portals) {
        Integer before = tagOfPortal.putIfAbsent(p[0], Integer.parseInt(p[1]));
        assertThat(before == null || before == Integer.parseInt(p[1])).as("one tag per portal on every node").isTrue();
      }
    }
    assertThat(tagOfPortal).hasSize(3);
    assertThat(tagOfPortal.values()).as("a portal group per node").doesNotHaveDuplicates();

    for (DaemonProcess n : cluster.nodes()) {
      String url = "iscsi://127.0.0.1:" + n.info().iscsiPort() + "/" + TARGET + "/0";
      String standard = Tools.run(30, "iscsi-inq", url).ok().output();
      log.info("iscsi-inq through {}:\n{}", n.info().nodeId(), standard);
      assertThat(standard).as("standard INQUIRY through %s: implicit ALUA", n.info().nodeId())
          .containsPattern("(?i)tpgs.*1");
    }
  }

  /**
   * libiscsi's whole conformance suite ({@link LibiscsiConformance}, judged as IscsiConformanceIT
   * judges the in-process target) with the LU's two paths on two nodes: path 1 through the primary's
   * node, path 2 through another. The suite logs path 2 in with the second initiator name and uses it
   * as the second session of the multi-initiator tests, so the persistent and SPC-2 reservation
   * suites and the mode page suite decide every conflict across nodes, through the cluster's shared
   * state. The extra passes run through the node that is not the primary, on volumes of their own.
   */
  @Test
  @Timeout(value = 25, unit = TimeUnit.MINUTES)
  void libiscsiSuitePassesWithItsPathsOnTwoNodes() throws Exception {
    Tools.require("iscsi-test-cu", "iscsi-ls");
    cluster = clusters.start("");
    DaemonProcess n1 = cluster.node("n1");
    n1.cli("volume", "create", "mp1", "--size", "64M", "--copies", "3", "--mode", "sync");
    n1.cli("volume", "create", "ro1", "--size", "8M", "--copies", "3", "--mode", "sync", "--read-only");
    n1.cli("volume", "create", "sz1", "--size", "8M", "--copies", "3", "--mode", "sync");
    // Settled first: copies in sync and every portal known, so the paths' states do not change
    // under the suite (MultipathIO does not expect ASYMMETRIC ACCESS STATE CHANGED).
    String primary = null;
    for (String volume : List.of("mp1", "ro1", "sz1")) {
      String p = Poll.until(volume + "'s copies in sync", WAIT, () -> Optional.of(ProcessCluster.json(
          n1.cli("volume", "show", volume, "--json"))).filter(v -> v.get("stale").isEmpty() && v.get("unreachable").isEmpty())
          .map(v -> v.path("primary").asText()).filter(x -> !x.isEmpty()));
      primary = primary == null ? p : primary;
    }
    DaemonProcess onPrimary = cluster.node(primary);
    DaemonProcess other = cluster.nodes().stream().filter(n -> n != onPrimary).findFirst().orElseThrow();
    for (DaemonProcess door : List.of(onPrimary, other)) {
      String portal = "127.0.0.1:" + door.info().iscsiPort();
      Poll.until(door.info().nodeId() + " listing every portal", WAIT, () -> Optional.of(
          Tools.run(30, "iscsi-ls", "iscsi://" + portal).output()).filter(o -> listed(o).size() == 3));
      for (String volume : List.of("ro1", "sz1")) {
        door.cli("volume", "show", volume); // its doors know the volume
      }
    }
    String base2 = "iscsi://127.0.0.1:" + other.info().iscsiPort() + "/iqn.2026-11.org.snipblock:";
    LibiscsiConformance.Luns luns = new LibiscsiConformance.Luns(
        "iscsi://127.0.0.1:" + onPrimary.info().iscsiPort() + "/" + TARGET + "/0", base2 + "mp1/0",
        base2 + "sz1/0", base2 + "ro1/0", null);
    LibiscsiConformance suite = new LibiscsiConformance(command -> Tools.run(1200, command.toArray(String[]::new)).output(),
        clusters.logs().resolve("iscsi-test-cu.log"));
    for (String test : LibiscsiConformance.PHYSICAL_4K_TESTS) {
      suite.justify(test, "a cluster volume's LU reports its logical block as its physical block; the LU code that "
          + "claims 4 KiB physical blocks is the same on every node and IscsiConformanceIT runs these tests against it");
    }
    // Sanitize.Reset sleeps a minute without reading its socket, expecting the session to stay: a node
    // drops a session whose NOP-In goes 30 s unanswered, and the suite then loops on reconnecting.
    suite.withoutSanitizeTest("Sanitize.Reset", "its initiator sleeps 60 s without answering the target's NOP-In, and a "
        + "node drops such a session after 30 s; the LU's sanitize code is the same on every node and "
        + "IscsiConformanceIT runs Sanitize.Reset against it with a 120 s NOP timeout");
    suite.run(luns);
  }

  /**
   * Explicit ALUA ({@code cluster.alua.transitions: explicit}): INQUIRY reports TPGS 3, and an
   * initiator on a node that is not the primary asks (SET TARGET PORT GROUPS) for
   * that node's group to be active/optimized; the answer comes once the primary has moved there, and
   * REPORT TARGET PORT GROUPS through it then names its group optimized and the old primary's not.
   */
  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void setTargetPortGroupsThroughANodeMovesThePrimaryThere() throws Exception {
    org.snipblock.node.testing.IscsiPaths.binary();
    Tools.require("iscsi-ls", "iscsi-inq");
    cluster = clusters.start("cluster: {alua: {transitions: explicit}}\n");
    DaemonProcess n1 = cluster.node("n1");
    n1.cli("volume", "create", "mp1", "--size", "16M", "--copies", "3", "--mode", "sync");
    String primary = Poll.until("mp1's copies in sync", WAIT, () -> Optional.of(ProcessCluster.json(
        n1.cli("volume", "show", "mp1", "--json"))).filter(v -> v.get("stale").isEmpty() && v.get("unreachable").isEmpty())
        .map(v -> v.path("primary").asText()));
    DaemonProcess onPrimary = cluster.node(primary);
    DaemonProcess other = cluster.nodes().stream().filter(n -> n != onPrimary).findFirst().orElseThrow();
    cluster.nodes().forEach(n -> n.cli("volume", "show", "mp1")); // every node's doors know mp1
    String own = "127.0.0.1:" + other.info().iscsiPort();
    int tag = listed(Poll.until(other.info().nodeId() + " listing its portal", WAIT, () -> Optional.of(
        Tools.run(30, "iscsi-ls", "iscsi://" + own).output()).filter(o -> listed(o).size() == 3))).stream()
        .filter(p -> p[0].equals(own)).map(p -> Integer.parseInt(p[1])).findFirst().orElseThrow();
    String url = "iscsi://" + own + "/" + TARGET + "/0";
    assertThat(Tools.run(30, "iscsi-inq", url).ok().output()).containsPattern("(?i)tpgs.*3");

    List<String> steps = org.snipblock.node.testing.IscsiPaths.steps("iqn.2026-11.org.snipblock.test:initiator-1", url,
        "rtpg", "stpg:" + tag, "rtpg", "write:0:5a", "read:0");
    log.info("through {} (portal group {}), primary {}: {}", other.info().nodeId(), tag, primary, steps);
    assertThat(steps.get(0)).as("before: not optimized").contains(" " + tag + ":1").contains(":0");
    assertThat(steps.get(1)).isEqualTo("stpg:" + tag + " GOOD");
    assertThat(steps.get(2)).as("after: optimized, the only one").contains(" " + tag + ":0").doesNotContainPattern(
        " (?!" + tag + ":)\\d+:0");
    assertThat(steps.subList(3, 5)).containsExactly("write:0:5a GOOD", "read:0 GOOD 5a");
    assertThat(ProcessCluster.json(n1.cli("volume", "show", "mp1", "--json")).get("primary").asText())
        .isEqualTo(other.info().nodeId());
    assertThat(other.log() + onPrimary.log()).contains("group " + tag + " made active/optimized at the request of "
        + "iqn.2026-11.org.snipblock.test:initiator-1");
  }

  /** (portal, tag) of every TargetAddress iscsi-ls printed for mp1. */
  private static List<String[]> listed(String output) {
    List<String[]> out = new ArrayList<>();
    Matcher m = LISTED.matcher(output);
    while (m.find()) {
      if (m.group(1).equals(TARGET)) {
        out.add(new String[] {m.group(2), m.group(3)});
      }
    }
    return out;
  }
}
