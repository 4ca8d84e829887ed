package org.snipblock.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snipblock.node.testing.ClusterWatch;
import org.snipblock.node.testing.DaemonProcess;
import org.snipblock.node.testing.IscsiPaths;
import org.snipblock.node.testing.Poll;
import org.snipblock.node.testing.ProcessCluster;
import org.snipblock.node.testing.ProcessClusters;
import org.snipblock.node.testing.Tools;

/**
 * The ALUA states a real initiator reads through every node, across a planned handover and a
 * failover: one libiscsi session per node (n1 and n2 in site1, n3 in site2, other sites on standby)
 * reads REPORT TARGET PORT GROUPS; after {@code volume move-primary} every session's next command
 * gets ASYMMETRIC ACCESS STATE CHANGED and the states have swapped; after kill -9 of the new primary
 * the survivors' sessions get it again, and the dead node's group is gone. A node in another site
 * than the primary reports standby and refuses media access (NOT READY, 04/0B).
 */
class AluaStatesProcessIT {
  private static final Logger log = LoggerFactory.getLogger(AluaStatesProcessIT.class);
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String CONFIG = """
      cluster:
        alua:
          other-sites: standby
        replication:
          failover-delay: 2s
      """;
  private static final List<String> LOCATIONS = List.of("site1/c1/r1/h1", "site1/c2/r1/h2", "site2/c1/r1/h3");
  private static final Pattern LISTED = Pattern.compile("Target:(\\S+) Portal:127\\.0\\.0\\.1:(\\d+),(\\d+)");
  private static final String STATE_CHANGED = "tur CHECK_CONDITION 6/2a/06";
  private static final String STANDBY_REFUSAL = "read:0 CHECK_CONDITION 2/04/0b";
  /** Per session: the states, a read; then twice (after the move, after the kill) the same after a pause. */
  private static final String[] STEPS = {"rtpg", "read:0", "pause", "tur", "rtpg", "read:0", "pause", "tur",
      "rtpg", "read:0"};

  @TempDir Path tmp;
  @RegisterExtension final ProcessClusters clusters = new ProcessClusters();

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void everySessionSeesTheStatesSwapWithAUnitAttentionOnAMoveAndAFailover() throws Exception {
    IscsiPaths.binary();
    Tools.require("iscsi-ls");
    ProcessCluster cluster = clusters.start(CONFIG, LOCATIONS);
    DaemonProcess n1 = cluster.node("n1");
    n1.cli("volume", "create", "al1", "--size", "16M", "--copies", "3", "--min-copies", "2", "--mode", "sync");
    JsonNode settled = ClusterWatch.awaitInSync(n1, "al1");
    String primary = settled.get("primary").asText();
    cluster.nodes().forEach(n -> n.cli("volume", "show", "al1")); // every node's doors know al1
    Map<String, Integer> tags = tags(cluster);
    Map<String, String> sites = Map.of("n1", "site1", "n2", "site1", "n3", "site2");

    Map<String, Process> sessions = new LinkedHashMap<>();
    Map<String, Path> outs = new LinkedHashMap<>();
    try {
      for (DaemonProcess n : cluster.nodes()) {
        String id = n.info().nodeId();
        outs.put(id, tmp.resolve(id + ".out"));
        sessions.put(id, IscsiPaths.holding("iqn.2026-11.org.snipblock.test:via-" + id,
            "iscsi://127.0.0.1:" + n.info().iscsiPort() + "/iqn.2026-11.org.snipblock:al1/0", outs.get(id), STEPS));
      }
      for (String id : sessions.keySet()) {
        awaitPause(id, sessions.get(id), outs.get(id), 1);
        assertThat(lines(outs.get(id))).as("through %s, primary %s", id, primary)
            .startsWith(rtpg(tags, sites, primary, sites.keySet()), read(sites, primary, id));
      }

      // A planned handover to a node of the other kind (n3 if the primary is in site1, else n1).
      String moved = sites.get(primary).equals("site1") ? "n3" : "n1";
      cluster.node(primary).cli("volume", "move-primary", "al1", "--to", moved);
      for (DaemonProcess n : cluster.nodes()) {
        Poll.until(n.info().nodeId() + " naming " + moved + " the primary", WAIT, () -> ClusterWatch.show(n, "al1")
            .filter(v -> v.get("primary").asText().equals(moved)));
      }
      for (String id : sessions.keySet()) {
        IscsiPaths.letGo(sessions.get(id));
        awaitPause(id, sessions.get(id), outs.get(id), 2);
        assertThat(lines(outs.get(id)).subList(2, 6)).as("through %s after the move %s -> %s", id, primary, moved)
            .containsExactly("pause GOOD", STATE_CHANGED, rtpg(tags, sites, moved, sites.keySet()), read(sites, moved, id));
      }

      // kill -9 of the new primary: the survivors' sessions see the states change again.
      long movedEpoch = ClusterWatch.show(n1, "al1").orElseThrow().get("epoch").asLong();
      cluster.node(moved).kill9();
      List<String> survivors = sessions.keySet().stream().filter(id -> !id.equals(moved)).toList();
      String failedOver = ClusterWatch.awaitNewPrimary(cluster.node(survivors.get(0)), "al1", moved, movedEpoch)
          .get("primary").asText();
      for (String id : survivors) {
        Poll.until(id + " naming " + failedOver + " the primary", WAIT, () -> ClusterWatch.show(cluster.node(id), "al1")
            .filter(v -> v.get("primary").asText().equals(failedOver)));
      }
      for (String id : survivors) {
        IscsiPaths.letGo(sessions.get(id));
        assertThat(sessions.get(id).waitFor(60, TimeUnit.SECONDS)).as("session through %s ended", id).isTrue();
        assertThat(lines(outs.get(id)).subList(6, 10)).as("through %s after %s was killed, primary %s", id, moved,
            failedOver).containsExactly("pause GOOD", STATE_CHANGED, rtpg(tags, sites, failedOver, survivors),
                read(sites, failedOver, id));
      }
      log.info("sessions: {}", outs.keySet().stream().map(id -> id + ":\n" + read(outs.get(id))).toList());
    } finally {
      sessions.values().forEach(Process::destroyForcibly);
    }
  }

  /** The RTPG line the C tool prints: " TAG:STATE" per node in view, by tag; standby in another site than the primary's. */
  private static String rtpg(Map<String, Integer> tags, Map<String, String> sites, String primary, java.util.Collection<String> inView) {
    Map<Integer, Integer> states = new TreeMap<>();
    for (String id : inView) {
      states.put(tags.get(id), id.equals(primary) ? 0 : sites.get(id).equals(sites.get(primary)) ? 1 : 2);
    }
    StringBuilder b = new StringBuilder("rtpg GOOD");
    states.forEach((tag, state) -> b.append(' ').append(tag).append(':').append(state));
    return b.toString();
  }

  /** A read of the fresh volume through {@code via}: zeros, or refused on a standby path. */
  private static String read(Map<String, String> sites, String primary, String via) {
    return sites.get(via).equals(sites.get(primary)) ? "read:0 GOOD 00" : STANDBY_REFUSAL;
  }

  /** Node id to its portal group tag, from SendTargets through n1. */
  private static Map<String, Integer> tags(ProcessCluster cluster) {
    String listing = Poll.until("n1 listing three portals of al1", WAIT, () -> Optional.of(Tools.run(30, "iscsi-ls",
        "iscsi://127.0.0.1:" + cluster.node("n1").info().iscsiPort()).output())
        .filter(o -> o.split("iqn.2026-11.org.snipblock:al1 ", -1).length == 4));
    Map<String, Integer> tags = new TreeMap<>();
    Matcher m = LISTED.matcher(listing);
    while (m.find()) {
      for (DaemonProcess n : cluster.nodes()) {
        if (m.group(1).endsWith(":al1") && n.info().iscsiPort() == Integer.parseInt(m.group(2))) {
          tags.put(n.info().nodeId(), Integer.parseInt(m.group(3)));
        }
      }
    }
    assertThat(tags).as("a tag per node in:%n%s", listing).hasSize(3);
    return tags;
  }

  private static void awaitPause(String id, Process session, Path out, int count) {
    Poll.until("the session through " + id + " at pause " + count, WAIT, () -> Optional.of(read(out))
        .filter(o -> o.split("pause WAITING", -1).length > count || !session.isAlive()));
    assertThat(session.isAlive()).as("session through %s:%n%s", id, read(out)).isTrue();
  }

  /** The tool's result lines, without its "pause WAITING" announcements. */
  private static List<String> lines(Path out) {
    return read(out).lines().filter(l -> !l.equals("pause WAITING")).toList();
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
