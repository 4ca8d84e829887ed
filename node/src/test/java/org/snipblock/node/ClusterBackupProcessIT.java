package org.snipblock.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.snipblock.node.testing.ClusterWatch.awaitNewPrimary;
import static org.snipblock.node.testing.ClusterWatch.awaitServing;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.node.testing.DaemonProcess;
import org.snipblock.node.testing.Poll;
import org.snipblock.node.testing.ProcessCluster;
import org.snipblock.node.testing.ProcessClusters;
import org.snipblock.node.testing.Tools;

/**
 * Backups, changed-block tracking, flatten and group snapshots of clustered volumes, on three
 * daemons (each its own JVM on 127.0.0.1) driven by the CLI and real clients: nbdinfo reads the
 * snipblock:changed: context through a node that is not the primary, qemu-img and qemu-io write
 * and compare, export and import go through different nodes, and an incremental export from the
 * primary that replaced a killed one applies onto a copy made from the killed one's export.
 */
class ClusterBackupProcessIT {
  private static final long KIB = 1024;
  private static final long MIB = 1 << 20;
  private static final Duration SETTLE = Duration.ofSeconds(90);

  @TempDir Path tmp;
  @RegisterExtension final ProcessClusters clusters = new ProcessClusters();
  private ProcessCluster cluster;

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void changedBlocksBackupsFlattenAndGroupSnapshotsOfClusteredVolumes() throws IOException {
    Tools.require("nbdinfo", "qemu-img", "qemu-io");
    cluster = clusters.start("");
    DaemonProcess n1 = cluster.node("n1");
    DaemonProcess n2 = cluster.node("n2");
    DaemonProcess n3 = cluster.node("n3");
    Path image = Tools.randomImage(tmp.resolve("a.img"), 16 * MIB, 3);
    n1.cli("volume", "create", "src", "--size", "16M", "--copies", "3", "--mode", "sync");
    awaitInSync(n1, "src");
    Tools.run(120, "qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", image.toString(), n2.nbdUrl("src")).ok();
    n1.cli("volume", "snapshot", "src", "s1");

    // Changed-block tracking through n2's door (n1 is the primary), written through n3's.
    Tools.run(60, "qemu-io", "-f", "raw", "-c", "write -P 0x22 1M 64k", "-c", "write -P 0x33 9M 8k", "-c", "flush",
        n3.nbdUrl("src")).ok();
    assertThat(map("snipblock:changed:s1", n2.nbdUrl("src"))).containsExactly(List.of(0L, MIB, 0L),
        List.of(MIB, 64 * KIB, 1L), List.of(MIB + 64 * KIB, 8 * MIB - 64 * KIB, 0L), List.of(9 * MIB, 8 * KIB, 1L),
        List.of(9 * MIB + 8 * KIB, 7 * MIB - 8 * KIB, 0L));
    assertThat(Tools.run(60, "nbdinfo", "--map=snipblock:changed:nope", n2.nbdUrl("src")).exit()).isNotZero();

    // A full and an incremental stream exported from the primary, imported into a new clustered volume via n2.
    n1.cli("volume", "snapshot", "src", "s2");
    Path full = tmp.resolve("full.snipblock");
    Path inc = tmp.resolve("inc.snipblock");
    assertThat(n1.cli("volume", "export", "src@s1", full.toString())).contains("exported src@s1 (full)");
    assertThat(n1.cli("volume", "export", "src@s2", inc.toString(), "--since", "s1")).contains("changes since s1");
    assertThat(n2.cli("volume", "import", "copy", full.toString())).contains("into copy as snapshot s1 (full)");
    JsonNode copy = show(n3, "copy").orElseThrow();
    assertThat(copy.get("primary").asText()).isEqualTo("n2");
    awaitInSync(n2, "copy");
    assertThat(oneLine(n3.cliError("volume", "import", "copy", inc.toString()))).contains("its primary is n2");
    n2.cli("volume", "create", "blank", "--size", "16M");
    assertThat(oneLine(n2.cliError("volume", "import", "blank", inc.toString()))).contains("wrong base");
    assertThat(n2.cli("volume", "snapshots", "blank")).doesNotContain("s2");
    assertThat(n2.cli("volume", "import", "copy", inc.toString())).contains("as snapshot s2 (incremental)");
    assertThat(oneLine(n2.cliError("volume", "import", "copy", inc.toString())))
        .contains("already has a snapshot named s2");
    for (DaemonProcess door : List.of(n1, n3)) {
      assertThat(compare(n1.nbdUrl("src@s2"), door.nbdUrl("copy"))).as("copy through %s", door.info().nodeId())
          .contains("Images are identical");
    }
    assertThat(n3.cli("volume", "snapshots", "copy")).contains("s1", "s2");
    assertThat(json(n2.cli("volume", "verify", "copy", "--json")).get("clean").asBoolean()).isTrue();

    // Flatten a clone of s1 through n3: the parent link goes cluster-wide and s1 can be deleted.
    n1.cli("volume", "clone", "src@s1", "web");
    Tools.run(60, "qemu-io", "-f", "raw", "-c", "write -P 0x44 4M 1M", "-c", "flush", n2.nbdUrl("web")).ok();
    Path web = tmp.resolve("web.img");
    Tools.run(120, "qemu-img", "convert", "-f", "raw", "-O", "raw", n3.nbdUrl("web"), web.toString()).ok();
    assertThat(oneLine(n1.cliError("volume", "snapshot-delete", "src", "s1"))).contains("used by clones web");
    assertThat(oneLine(n3.cliError("volume", "flatten", "src"))).contains("volume src is not a clone");
    n3.cli("volume", "flatten", "web");
    Poll.until("web flattened on every copy", SETTLE, () -> show(n2, "web")
        .filter(v -> v.path("parent").isNull() || v.path("parent").isMissingNode()));
    n1.cli("volume", "snapshot-delete", "src", "s1");
    assertThat(compare(web.toString(), n1.nbdUrl("web"))).contains("Images are identical");
    assertThat(json(n1.cli("volume", "verify", "web", "--json")).get("clean").asBoolean()).isTrue();

    // A group snapshot of src (primary n1) and copy (primary n2), asked of n3.
    assertThat(n3.cli("volume", "snapshot", "--group", "src,copy", "g")).contains("g");
    for (DaemonProcess d : List.of(n1, n2, n3)) {
      Poll.until("g on " + d.info().nodeId(), SETTLE, () -> Optional.of(d.cli("volume", "snapshots", "copy"))
          .filter(s -> s.contains("g")));
      assertThat(d.cli("volume", "snapshots", "src")).contains("g");
    }
    assertThat(compare(n1.nbdUrl("src@g"), n2.nbdUrl("src"))).contains("Images are identical");

    // kill -9 of src's primary n1: an incremental stream exported from the new primary applies onto
    // copy, whose s2 came from n1's export, since a snapshot goes by one id on every copy.
    long epoch = show(n2, "src").orElseThrow().get("epoch").asLong();
    n1.kill9();
    DaemonProcess primary = cluster.node(awaitNewPrimary(n2, "src", "n1", epoch).get("primary").asText());
    awaitServing(primary, "src");
    Tools.run(60, "qemu-io", "-f", "raw", "-c", "write -P 0x55 2M 128k", "-c", "write -P 0x66 15M 4k", "-c", "flush",
        primary.nbdUrl("src")).ok();
    primary.cli("volume", "snapshot", "src", "s3");
    Path afterFailover = tmp.resolve("after-failover.snipblock");
    assertThat(primary.cli("volume", "export", "src@s3", afterFailover.toString(), "--since", "s2"))
        .contains("changes since s2");
    assertThat(n2.cli("volume", "import", "copy", afterFailover.toString())).contains("as snapshot s3 (incremental)");
    assertThat(compare(primary.nbdUrl("src@s3"), n3.nbdUrl("copy"))).contains("Images are identical");
  }

  private static List<List<Long>> map(String context, String url) {
    return Tools.nbdinfoMap(context, url);
  }

  private static String compare(String a, String b) {
    return Tools.run(300, "qemu-img", "compare", "-f", "raw", "-F", "raw", a, b).output();
  }

  private static Optional<JsonNode> show(DaemonProcess via, String volume) {
    return via.cliIfOk("volume", "show", volume, "--json").map(ClusterBackupProcessIT::json);
  }

  private static void awaitInSync(DaemonProcess via, String volume) {
    Poll.until("all copies of " + volume + " in sync", SETTLE, () -> show(via, volume)
        .filter(v -> v.get("stale").isEmpty() && v.get("unreachable").isEmpty()));
  }

  private static String oneLine(String stderr) {
    return Tools.backupErrorLine(stderr);
  }

  private static JsonNode json(String text) {
    return ProcessCluster.json(text);
  }
}
